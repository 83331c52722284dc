package dev.gantry.cli;

import static dev.gantry.cli.CliRun.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.cli.system.ExampleVariants;
import dev.gantry.cli.system.LoadGenerator;
import dev.gantry.client.GantryClient;
import dev.gantry.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The version directory end to end: real server, real instances side by side, the real router, clients
 * seen and flushed, leases, retirement with 410 Gone, and a retirement under load.
 *
 * <p>Runs under failsafe, which builds the server jar first and names it; a unit-test run that picks the class up
 * by a name pattern ({@code -Dtest='Version*'}) skips it rather than failing for want of the jar.
 */
@EnabledIfSystemProperty(named = "gantry.serverJar", matches = ".+")
class VersionsIT {
  static final String SPEC = """
      name: pricing
      command: ["{java}", "-jar", "{artifact}"]
      instances: 1
      route: { pathPrefix: pricing }
      readiness: { path: /ready, interval: 200ms, timeout: 150ms, successThreshold: 1, failureThreshold: 2 }
      liveness: { path: /health, interval: 500ms, timeout: 400ms, failureThreshold: 3 }
      smoke:
        - { method: GET, path: "/version", expectStatus: 200, expectBodyContains: "A-" }
      verification: { window: 1s, maxErrorRate: 0.5, maxP99Ratio: 1000, minRequests: 1000 }
      readinessDeadline: 30s
      scaleDownDelay: 1s
      versions: { retireAfter: 4s, drainTimeout: 20s }
      """;

  RunningServer server;
  Path dir;
  GantryClient ci;
  String ciToken;
  String olgaToken;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "versions-");
    server = RunningServer.start(dir.resolve("data"), "--gantry.versions.client-flush-interval=1s",
        "--gantry.versions.min-retire-after=1s"); // retireAfter 4s: real time, so short
    GantryClient admin = server.client(server.adminToken());
    admin.createAccount("ci", "robot", List.of("deployer"));
    admin.createAccount("olga", "human", List.of("operator", "viewer"));
    ciToken = (String) admin.createToken("ci", "1d", "pipeline").get("token");
    ci = server.client(ciToken);
    olgaToken = (String) admin.createToken("olga", "1d", "first login").get("token");
    System.setProperty("gantry.url", server.url());
    System.setProperty("gantry.token", olgaToken);
    ci.applyService("pricing", new org.yaml.snakeyaml.Yaml().load(SPEC));
  }

  @AfterEach
  void stop() throws Exception {
    System.clearProperty("gantry.url");
    System.clearProperty("gantry.token");
    server.close();
    dev.gantry.cli.system.DemoCommand.stopInstances(dir.resolve("data"));
  }

  private String register(String name, String variant) throws Exception {
    return ExampleVariants.register(ci, DeployIT.EXAMPLE.resolve("target/pricing-service.jar"), dir.resolve(name + ".jar"),
        variant);
  }

  @SuppressWarnings("unchecked")
  private void awaitComplete(String id) throws InterruptedException {
    await(() -> ((List<Object>) ci.service("pricing").get("deployments")).stream().map(o -> (Map<String, Object>) o)
        .anyMatch(d -> d.get("id").equals(id) && d.get("phase").equals("COMPLETE")), "deployment " + id + " complete");
  }

  /** Polls the real server (real processes take real time). */
  private static void await(Supplier<Boolean> condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.get()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> version(String label) {
    return ci.versions("pricing").stream().map(o -> (Map<String, Object>) o).filter(v -> v.get("version").equals(label))
        .findFirst().orElseThrow();
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    String router = (String) ci.service("pricing").get("router");
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + router + path)).timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String serial(HttpResponse<String> r) {
    return r.headers().firstValue("X-Gantry-Serial").orElse("-");
  }

  @Test
  @SuppressWarnings("unchecked")
  void sideBySideVersionsLiveAtTheirAddressesKeptByLeasesAndRetiredWhenUnused() throws Exception {
    String a1 = register("v1", "label=v1\n");
    String a2 = register("v2", "label=v2\n");
    awaitComplete((String) ci.deploy("pricing", a1).get("id"));
    System.setProperty("gantry.token", ciToken);
    try {
      assertThat(ok("deploy", "pricing", "--serial", a2, "--side-by-side", "--watch")).contains("COMPLETE");
    } finally {
      System.setProperty("gantry.token", olgaToken);
    }

    // Each version at its own address; the default follows the latest promoted.
    assertThat(serial(get("/pricing/price?symbol=EURUSD"))).isEqualTo(a2);
    assertThat(serial(get("/pricing/v1/price?symbol=EURUSD", "X-Client-Id", "risk-batch"))).isEqualTo(a1);
    assertThat(serial(get("/pricing/price?symbol=EURUSD", "Gantry-Version", "v1"))).isEqualTo(a1);
    // The directory learns of v2 on the loop's next pass; from then on v1 is scheduled to retire.
    await(() -> {
      try {
        return get("/pricing/v1/price?symbol=EURUSD").headers().firstValue("Deprecation").isPresent();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "Deprecation on v1's responses");
    HttpResponse<String> old = get("/pricing/v1/price?symbol=EURUSD");
    assertThat(old.headers().firstValue("Sunset")).isPresent();
    assertThat(old.headers().firstValue("Link").orElseThrow()).contains("/pricing/v2/").contains("successor-version");

    // The directory: addresses, instances, the client the router saw (flushed into the ledger).
    await(() -> version("v1").get("clients").toString().contains("risk-batch"), "risk-batch seen on v1");
    String listing = ok("versions", "pricing");
    assertThat(listing).contains("v2  " + a2 + "  running default side-by-side").contains("v1  " + a1 + "  running  age")
        .contains("/pricing/v1/").contains("Gantry-Version: v1").contains("risk-batch").contains("instance  127.0.0.1:");
    assertThat(listing.lines().filter(l -> l.contains("risk-batch")).findFirst().orElseThrow())
        .as("it named v1 by its path").contains("by version");
    List<Object> json = (List<Object>) Json.parse(ok("versions", "pricing", "--json"));
    assertThat(json).hasSize(2);
    Map<String, Object> v1 = (Map<String, Object>) json.stream().filter(v -> "v1".equals(((Map<String, Object>) v)
        .get("version"))).findFirst().orElseThrow();
    assertThat((List<Object>) ((Map<String, Object>) v1.get("clients")).get("seen"))
        .anySatisfy(c -> assertThat((Map<String, Object>) c).containsEntry("client", "risk-batch")
            .containsEntry("explicit", true));

    // A lease keeps the quiet v1 alive past retireAfter.
    String lease = ok("lease", "acquire", "pricing@v1", "--client", "month-end-valuation", "--ttl", "30d");
    String leaseId = lease.substring(lease.indexOf("L-"), lease.indexOf("L-") + 8);
    Thread.sleep(5000); // retireAfter is 4 s: a real server gets real time to prove the lease holds
    assertThat(version("v1").get("state")).isEqualTo("running");
    assertThat(ok("versions", "retire", "pricing", "--dry-run")).contains("stays   leased by month-end-valuation")
        .contains("the default version");

    // Released, and quiet for longer than retireAfter: retired, 410 Gone naming the successor, then stopped.
    ok("lease", "release", leaseId);
    await(() -> version("v1").get("state").equals("retired"), "v1 retired");
    HttpResponse<String> gone = get("/pricing/v1/price?symbol=EURUSD");
    assertThat(gone.statusCode()).isEqualTo(410);
    assertThat(gone.body()).contains("version-retired").contains("use its successor v2");
    assertThat((String) version("v1").get("reason")).contains("quiet since").contains("L-000001 (month-end-valuation, released)");
    await(() -> ((List<Object>) ((Map<String, Object>) version("v1").get("addresses")).get("instances")).isEmpty(),
        "v1's instance stopped after the drain");
    assertThat(version("v2").get("state")).as("the default is never retired").isEqualTo("running");
    assertThat(serial(get("/pricing/price?symbol=EURUSD"))).isEqualTo(a2);
  }

  @Test
  void retirementUnderLoadDropsNoInFlightRequest() throws Exception {
    String slow = register("slow", "label=slow\nlatencyMs=6000\n");
    String a2 = register("v2", "label=v2\n");
    awaitComplete((String) ci.deploy("pricing", slow).get("id"));
    awaitComplete((String) ci.deploy("pricing", a2, true).get("id"));
    String router = (String) ci.service("pricing").get("router");
    try (LoadGenerator load = new LoadGenerator(List.of(URI.create("http://" + router + "/pricing/price?symbol=EURUSD")),
        4, Duration.ofMillis(25))) {
      // Concurrent slow requests on v1 (6 s each) outlive the 4 s retireAfter: they are in flight when v1 retires.
      List<CompletableFuture<HttpResponse<String>>> inFlight = new java.util.ArrayList<>();
      for (int i = 0; i < 6; i++) {
        inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + router + "/pricing/v1/price?symbol=EURUSD"))
            .header("X-Client-Id", "desk-" + i).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      await(() -> version("v1").get("state").equals("retired"), "v1 retired");
      Instant retiredAt = Instant.parse((String) version("v1").get("retiredAt"));
      assertThat(inFlight).as("still in flight at the retirement").noneMatch(CompletableFuture::isDone);
      assertThat(get("/pricing/v1/price?symbol=EURUSD").statusCode()).as("new requests: gone").isEqualTo(410);
      for (CompletableFuture<HttpResponse<String>> f : inFlight) {
        HttpResponse<String> finished = f.get();
        assertThat(finished.statusCode()).as("an in-flight request finished: %s", finished.body()).isEqualTo(200);
        assertThat(serial(finished)).isEqualTo(slow);
      }
      // Drained when nothing is in flight, not at drainTimeout (20 s): the instance stops soon after the last one.
      await(() -> ((List<?>) ((Map<?, ?>) version("v1").get("addresses")).get("instances")).isEmpty(),
          "v1's instance stopped once drained");
      assertThat(Instant.now()).as("stopped by the drain, not the %s drainTimeout", "20s")
          .isBefore(retiredAt.plusSeconds(14));
      load.close();
      assertThat(load.failures()).as("failed of %d on the default version", load.total()).isZero();
    }
  }
}
