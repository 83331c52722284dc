package dev.gantry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.core.deploy.TrafficRouter.RouteTable;
import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import dev.gantry.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The router on real loopback sockets, in front of real HTTP backends. */
class NettyTrafficRouterTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    http.close();
  }

  private <T extends AutoCloseable> T closeLater(T t) {
    closeables.add(t);
    return t;
  }

  private NettyTrafficRouter router(NettyTrafficRouter.Options options) {
    return closeLater(new NettyTrafficRouter("127.0.0.1", 0, 2, options).start());
  }

  /** One event loop: every client connection shares one backend pool. */
  private NettyTrafficRouter singleLoopRouter() {
    return closeLater(new NettyTrafficRouter("127.0.0.1", 0, 1, NettyTrafficRouter.Options.defaults()).start());
  }

  private TestBackend backend(String name) {
    return closeLater(TestBackend.start(name));
  }

  private static RouteTable table(String stable, String preview, Map<String, List<String>> backends) {
    Map<String, String> serials = new java.util.HashMap<>();
    backends.keySet().forEach(v -> serials.put(v, "A-" + v));
    return new RouteTable("pricing", "pricing.example", "pricing", stable, preview, backends, serials);
  }

  private HttpResponse<String> send(NettyTrafficRouter router, String method, String path, String body,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + router.address() + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void getAndPostAreProxiedWithTheirBodies() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));

    HttpResponse<String> get = send(router, "GET", "/pricing/quote?id=7", null);
    HttpResponse<String> post = send(router, "POST", "/pricing/orders", "{\"qty\":3}",
        "Content-Type", "application/json");

    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.body()).isEqualTo("v1 GET /quote?id=7\n");
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.body()).isEqualTo("v1 POST /orders\n{\"qty\":3}");
    assertThat(get.headers().firstValue("X-Gantry-Version")).hasValue("v1");
    assertThat(get.headers().firstValue("X-Gantry-Serial")).hasValue("A-v1");
    assertThat(get.headers().firstValue("X-Backend")).hasValue("v1");
  }

  @Test
  void headRequestGetsHeadersOnly() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));

    HttpResponse<String> head = send(router, "HEAD", "/pricing/quote", null);
    HttpResponse<String> after = send(router, "GET", "/pricing/quote", null);

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(after.body()).as("the connection survived the HEAD").isEqualTo("v1 GET /quote\n");
  }

  @Test
  void sequentialRequestsReuseOneBackendConnection() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));

    for (int i = 0; i < 25; i++) {
      assertThat(send(router, "GET", "/pricing/q" + i, null).statusCode()).isEqualTo(200);
    }

    assertThat(v1.seen).hasSize(25);
    assertThat(v1.connections).as("client ports seen by the backend").hasSize(1);
  }

  @Test
  void forwardingHeadersAndRequestIdReachTheBackend() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));

    HttpResponse<String> generated = send(router, "GET", "/pricing/a", null, "X-Forwarded-For", "198.51.100.9");
    HttpResponse<String> kept = send(router, "GET", "/pricing/b", null, "X-Request-Id", "trace-42");

    TestBackend.Seen first = v1.seen.poll();
    assertThat(first.headers().getFirst("X-Forwarded-For")).isEqualTo("198.51.100.9, 127.0.0.1");
    assertThat(first.headers().getFirst("X-Forwarded-Host")).isEqualTo(router.address());
    assertThat(first.headers().getFirst("X-Forwarded-Proto")).isEqualTo("http");
    String id = first.headers().getFirst("X-Request-Id");
    assertThat(id).matches("[0-9a-f]{32}");
    assertThat(generated.headers().firstValue("X-Request-Id")).hasValue(id);
    TestBackend.Seen second = v1.seen.poll();
    assertThat(second.headers().getFirst("X-Request-Id")).isEqualTo("trace-42");
    assertThat(kept.headers().firstValue("X-Request-Id")).hasValue("trace-42");
  }

  @Test
  void previewIsReachedByHeaderOrPathAndStableByDefault() throws Exception {
    TestBackend v1 = backend("v1");
    TestBackend v2 = backend("v2");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", "v2", Map.of("v1", List.of(v1.hostPort()), "v2", List.of(v2.hostPort()))));

    HttpResponse<String> stable = send(router, "GET", "/pricing/quote", null);
    HttpResponse<String> byPath = send(router, "GET", "/pricing/~preview/quote", null);
    HttpResponse<String> byHeader = send(router, "GET", "/pricing/quote", null, "X-Gantry-Preview", "1");

    assertThat(stable.body()).isEqualTo("v1 GET /quote\n");
    assertThat(byPath.body()).isEqualTo("v2 GET /quote\n");
    assertThat(byPath.headers().firstValue("X-Gantry-Version")).hasValue("v2");
    assertThat(byPath.headers().firstValue("X-Gantry-Serial")).hasValue("A-v2");
    assertThat(byHeader.body()).isEqualTo("v2 GET /quote\n");
  }

  @Test
  void hostHeaderRoutesTheServiceWithoutStrippingThePath() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));

    String response = rawExchange(router, "GET /quote HTTP/1.1\r\nHost: Pricing.Example:8080\r\nConnection: close\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 200 OK").endsWith("v1 GET /quote\n");
  }

  @Test
  void expectContinueIsAnsweredByTheRouterAndTheBodyForwarded() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));

    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), router.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /pricing/orders HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] interim = new byte["HTTP/1.1 100 Continue\r\n\r\n".length()];
      new java.io.DataInputStream(in).readFully(interim);
      assertThat(new String(interim, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(rest).startsWith("HTTP/1.1 200 OK").endsWith("v1 POST /orders\nhello");
    }
    assertThat(v1.seen.peek().headers().containsKey("Expect")).isFalse();
  }

  @Test
  void http10ClientGetsAnHttp10ResponseAndTheBackendConnectionIsStillReused() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = singleLoopRouter();
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));

    String first = rawExchange(router, "GET /pricing/a HTTP/1.0\r\n\r\n");
    String second = rawExchange(router, "GET /pricing/b HTTP/1.0\r\n\r\n");

    assertThat(first).startsWith("HTTP/1.0 200 OK").endsWith("v1 GET /a\n");
    assertThat(second).startsWith("HTTP/1.0 200 OK").endsWith("v1 GET /b\n");
    assertThat(v1.connections).as("the router speaks HTTP/1.1 with keep-alive to the backend").hasSize(1);
  }

  @Test
  void unroutedRequestIs404ProblemAndRemovedServiceToo() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));

    HttpResponse<String> unknown = send(router, "GET", "/billing/x", null);
    router.remove("pricing");
    HttpResponse<String> removed = send(router, "GET", "/pricing/x", null);

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(Json.parseObject(unknown.body())).containsEntry("code", "route-not-found");
    assertThat(removed.statusCode()).isEqualTo(404);
  }

  @Test
  void refusedBackendIs502ForPostAndGetIsRetriedOnceOnAnotherInstance() throws Exception {
    TestBackend up = backend("up");
    String down = TestBackend.refusedHostPort();
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", null, Map.of("v1", List.of(down, up.hostPort()))));

    HttpResponse<String> post = send(router, "POST", "/pricing/orders", "x"); // round-robin: down
    HttpResponse<String> get1 = send(router, "GET", "/pricing/a", null); // up
    HttpResponse<String> get2 = send(router, "GET", "/pricing/b", null); // down, then up

    assertThat(post.statusCode()).isEqualTo(502);
    assertThat(Json.parseObject(post.body()))
        .containsEntry("code", "backend-unreachable")
        .hasEntrySatisfying("detail", d -> assertThat((String) d).startsWith("backend " + down + " of pricing@v1"));
    assertThat(get1.statusCode()).isEqualTo(200);
    assertThat(get2.statusCode()).isEqualTo(200);
    assertThat(get2.body()).isEqualTo("up GET /b\n");
    assertThat(up.seen).extracting(TestBackend.Seen::method).containsExactly("GET", "GET");
    assertThat(router.stats("pricing", "v1").errors5xx()).isEqualTo(1);
  }

  @Test
  void getWithNoOtherInstanceIs502() throws Exception {
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults());
    router.apply(table("v1", null, Map.of("v1", List.of(TestBackend.refusedHostPort()))));

    assertThat(send(router, "GET", "/pricing/a", null).statusCode()).isEqualTo(502);
  }

  @Test
  void slowBackendIs504AfterTheResponseTimeout() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    TestBackend slow = closeLater(TestBackend.start("slow", exchange -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    closeables.add(release::countDown); // closed before the backend: its handler thread ends first
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults().withResponseTimeout(Duration.ofMillis(300)));
    router.apply(table("v1", null, Map.of("v1", List.of(slow.hostPort()))));

    long start = System.nanoTime();
    HttpResponse<String> r = send(router, "GET", "/pricing/slow", null);
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(Json.parseObject(r.body()))
        .containsEntry("code", "backend-timeout")
        .containsEntry("detail", "backend " + slow.hostPort() + " of pricing@v1 sent no response within 300 ms");
    assertThat(elapsedMillis).isBetween(250L, 10_000L);
    assertThat(router.stats("pricing", "v1").errors5xx()).isEqualTo(1);
  }

  @Test
  void statsCountRequestsErrorsLatencyAndClients() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults().withClientIdHeader("X-Api-Key"));
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));
    VersionStats before = router.stats("pricing", "v1");

    for (int i = 0; i < 40; i++) {
      send(router, "GET", "/pricing/ok", null, "X-Api-Key", i % 4 == 0 ? "desk-1" : "desk-2");
    }
    for (int i = 0; i < 3; i++) {
      assertThat(send(router, "GET", "/pricing/status/500", null).statusCode()).isEqualTo(500);
    }
    send(router, "GET", "/pricing/status/404", null);

    VersionStats window = router.stats("pricing", "v1").minus(before);
    assertThat(window.requests()).isEqualTo(44);
    assertThat(window.errors5xx()).isEqualTo(3);
    assertThat(window.quantileMicros(0.99)).isBetween(100L, 5_000_000L);
    assertThat(window.quantileMicros(0.5)).isLessThanOrEqualTo(window.quantileMicros(0.99));
    assertThat(window.clients()).as("requests without a client id count as anonymous use")
        .isEqualTo(Map.of("desk-1", 10L, "desk-2", 30L, "anonymous", 4L));
    assertThat(window.clientLastSeenMillis()).containsKeys("desk-1", "desk-2", "anonymous");
    VersionStats unknown = router.stats("pricing", "v9");
    assertThat(unknown.requests()).isZero();
    assertThat(unknown.latencyCounts()).isEmpty();
  }

  @Test
  void portZeroBindsAFreePortAndCloseIsIdempotent() {
    NettyTrafficRouter router = new NettyTrafficRouter("127.0.0.1", 0, 1, NettyTrafficRouter.Options.defaults());
    assertThatThrownBy(router::port).hasMessage("router on 127.0.0.1:0 is not started");
    router.start();
    try {
      assertThat(router.port()).isPositive();
      assertThat(router.address()).isEqualTo("127.0.0.1:" + router.port());
      assertThatThrownBy(router::start).hasMessageStartingWith("router already started on 127.0.0.1:");
    } finally {
      router.close();
      router.close();
    }
  }

  @Test
  void nioTransportWorksToo() throws Exception {
    TestBackend v1 = backend("v1");
    NettyTrafficRouter router = router(NettyTrafficRouter.Options.defaults().withNativeTransport(false));
    router.apply(table("v1", null, Map.of("v1", List.of(v1.hostPort()))));

    assertThat(router.transportName()).isEqualTo("nio");
    assertThat(send(router, "POST", "/pricing/x", "body").body()).isEqualTo("v1 POST /x\nbody");
  }

  @Test
  void badArgumentsNameTheValueAndTheExpectation() {
    assertThatThrownBy(() -> new NettyTrafficRouter("127.0.0.1", 70000, 1, NettyTrafficRouter.Options.defaults()))
        .hasMessage("port: 70000 (expected: 0..65535, 0 for any)");
    assertThatThrownBy(() -> new NettyTrafficRouter("127.0.0.1", 0, 0, NettyTrafficRouter.Options.defaults()))
        .hasMessage("eventLoopThreads: 0 (expected: >= 1)");
    assertThatThrownBy(() -> NettyTrafficRouter.Options.defaults().withConnectTimeout(Duration.ZERO))
        .hasMessage("connectTimeout: PT0S (expected: a positive duration)");
    assertThatThrownBy(() -> NettyTrafficRouter.Options.defaults().withClientIdHeader("X Client"))
        .hasMessageStartingWith("clientIdHeader: 'X Client' (expected: a header name");
  }

  /** One request over a plain socket (for headers HttpClient will not send, like Host). */
  private static String rawExchange(NettyTrafficRouter router, String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), router.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all); // Connection: close ends the stream
      return all.toString(StandardCharsets.UTF_8);
    }
  }
}
