package dev.gantry.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.deploy.TrafficRouter.RouteTable;
import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The promise of {@code apply}: switching the stable version back and forth while clients hammer
 * the router fails no request, and every response comes whole from the version it names.
 */
class RouteSwitchUnderLoadTest {
  private static final int CLIENTS = 8;
  private static final int SWITCHES = 20;
  /** Responses from the new version that must arrive before the next switch: the switch took effect. */
  private static final int SEEN_AFTER_SWITCH = 100;

  @Test
  void switchingTheStableVersionUnderLoadFailsNoRequest() throws Exception {
    // Two instances per version; each answer takes ~0.2 ms of "work" so requests are in flight at a switch.
    List<TestBackend> backends = new ArrayList<>();
    for (String name : List.of("v1", "v2", "v1", "v2")) {
      backends.add(TestBackend.start(name, exchange -> {
        LockSupport.parkNanos(200_000);
        byte[] body = (name + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }));
    }
    Map<String, List<String>> instances = Map.of(
        "v1", List.of(backends.get(0).hostPort(), backends.get(2).hostPort()),
        "v2", List.of(backends.get(1).hostPort(), backends.get(3).hostPort()));
    NettyTrafficRouter router = new NettyTrafficRouter("127.0.0.1", 0, 2, NettyTrafficRouter.Options.defaults())
        .start();
    router.apply(table("v1", instances));

    Map<String, Semaphore> answeredBy = Map.of("v1", new Semaphore(0), "v2", new Semaphore(0));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ok = new AtomicLong();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int id = c;
      clients.add(Thread.ofPlatform().name("client-" + c).start(() -> {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
          HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + router.address() + "/pricing/quote"))
              .timeout(Duration.ofSeconds(10)).header("X-Client-Id", "client-" + id).build();
          while (!stop.get()) {
            try {
              HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
              String version = r.headers().firstValue("X-Gantry-Version").orElse("?");
              if (r.statusCode() != 200 || !r.body().equals(version + "\n")) {
                failures.add(r.statusCode() + " " + version + " " + r.body());
              } else {
                ok.incrementAndGet();
                answeredBy.get(version).release();
              }
            } catch (Exception e) {
              failures.add(e.toString());
            }
          }
        }
      }));
    }

    try {
      String current = "v1";
      for (int i = 0; i < SWITCHES; i++) {
        String next = current.equals("v1") ? "v2" : "v1";
        answeredBy.get(next).drainPermits();
        router.apply(table(next, instances));
        assertThat(answeredBy.get(next).tryAcquire(SEEN_AFTER_SWITCH, 20, TimeUnit.SECONDS))
            .as("switch %d to %s took effect", i + 1, next).isTrue();
        current = next;
      }
    } finally {
      stop.set(true);
      for (Thread t : clients) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
    }
    VersionStats v1 = router.stats("pricing", "v1");
    VersionStats v2 = router.stats("pricing", "v2");
    router.close();
    backends.forEach(TestBackend::close);

    System.out.printf("%d switches under %d keep-alive clients: %d requests answered (v1 %d, v2 %d), %d failed%n",
        SWITCHES, CLIENTS, ok.get() + failures.size(), v1.requests(), v2.requests(), failures.size());
    assertThat(failures).as("failed requests").isEmpty();
    assertThat(ok.get()).isGreaterThanOrEqualTo((long) SWITCHES * SEEN_AFTER_SWITCH);
    assertThat(v1.requests() + v2.requests()).isEqualTo(ok.get());
    assertThat(v1.errors5xx() + v2.errors5xx()).isZero();
    assertThat(v1.clients().keySet()).hasSize(CLIENTS);
  }

  private static RouteTable table(String stable, Map<String, List<String>> instances) {
    return new RouteTable("pricing", null, "pricing", stable, null, instances, Map.of("v1", "A-1", "v2", "A-2"));
  }
}
