package dev.gantry.cli;

import static dev.gantry.cli.CliRun.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.cli.system.ExampleVariants;
import dev.gantry.cli.system.LoadGenerator;
import dev.gantry.client.GantryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Canary deployments end to end: a real server, real instance processes of the example service, the real
 * router on loopback, load from concurrent clients and 200 distinct users.
 */
class CanaryIT {
  static final Path EXAMPLE = DeployIT.EXAMPLE;
  static final String BASE = """
      name: pricing
      command: ["{java}", "-jar", "{artifact}"]
      instances: 2
      route: { pathPrefix: pricing }
      readiness: { path: /ready, interval: 200ms, timeout: 150ms, successThreshold: 1, failureThreshold: 2 }
      liveness: { path: /health, interval: 500ms, timeout: 400ms, failureThreshold: 3 }
      smoke:
        - { method: GET, path: "/price?symbol=EURUSD", expectStatus: 200, expectBodyContains: "mid" }
      readinessDeadline: 30s
      scaleDownDelay: 2s
      strategy: canary
      canary:
        cohort: { userHeader: X-User-Id, users: [tester-1] }
        analysis: { interval: 500ms, minRequests: 30, inconclusiveTimeout: 1m, latencyWarmup: 5s }
      """;

  RunningServer server;
  Path dir;
  GantryClient ci;
  GantryClient operator;
  String auditorToken;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "canary-");
    server = RunningServer.start(dir.resolve("data"));
    GantryClient admin = server.client(server.adminToken());
    admin.createAccount("ci", "robot", List.of("deployer"));
    admin.createAccount("olga", "human", List.of("operator", "viewer"));
    admin.createAccount("carol", "human", List.of("auditor"));
    ci = server.client((String) admin.createToken("ci", "1d", "pipeline").get("token"));
    String olga = (String) admin.createToken("olga", "1d", "first login").get("token");
    operator = server.client(olga);
    auditorToken = (String) admin.createToken("carol", "1d", "audit").get("token");
    System.setProperty("gantry.url", server.url());
    System.setProperty("gantry.token", olga);
  }

  @AfterEach
  void stop() throws Exception {
    System.clearProperty("gantry.url");
    System.clearProperty("gantry.token");
    server.close();
    dev.gantry.cli.system.DemoCommand.stopInstances(dir.resolve("data"));
  }

  private void apply(String steps) throws Exception {
    Path spec = dir.resolve("pricing.yaml");
    Files.writeString(spec, BASE + "  steps: " + steps + "\n");
    ci.applyService("pricing", new org.yaml.snakeyaml.Yaml().load(Files.readString(spec)));
  }

  private String register(String name, String variant) throws Exception {
    return ExampleVariants.register(ci, EXAMPLE.resolve("target/pricing-service.jar"), dir.resolve(name + ".jar"),
        variant);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> deployment(String id) {
    return ((List<Object>) ci.service("pricing").get("deployments")).stream().map(o -> (Map<String, Object>) o)
        .filter(d -> d.get("id").equals(id)).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> canary(String id) {
    return (Map<String, Object>) deployment(id).get("canary");
  }

  /** Polls the real server until the condition holds (real processes take real time). */
  private Map<String, Object> await(String id, java.util.function.Predicate<Map<String, Object>> condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    Map<String, Object> d = null;
    while (System.nanoTime() < deadline) {
      d = deployment(id);
      if (condition.test(d)) {
        return d;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("deployment " + id + " did not reach " + what + ": " + d);
  }

  private Map<String, Object> awaitPhase(String id, String phase) throws InterruptedException {
    return await(id, d -> d.get("phase").equals(phase), phase);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> awaitWeight(String id, int weight) throws InterruptedException {
    return await(id, d -> d.get("phase").equals("CANARY") && d.get("canary") instanceof Map<?, ?> c
        && ((Number) c.get("weight")).intValue() == weight, "weight " + weight);
  }

  private String stableVersion() throws Exception {
    String v1 = register("v1", "label=v1\n");
    apply("[{setWeight: 10}, {pause: untilPromoted}]");
    awaitPhase((String) ci.deploy("pricing", v1).get("id"), "COMPLETE"); // the first one is blue-green
    return v1;
  }

  private List<URI> targets() {
    String router = (String) ci.service("pricing").get("router");
    return Stream.of("EURUSD", "GBPUSD", "USDJPY")
        .map(s -> URI.create("http://" + router + "/pricing/price?symbol=" + s)).toList();
  }

  /** The serial that served one request of a user. */
  private String servedTo(String user) throws Exception {
    String router = (String) ci.service("pricing").get("router");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + router
        + "/pricing/price?symbol=EURUSD")).header("X-User-Id", user).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("user %s", user).isEqualTo(200);
    return r.headers().firstValue("X-Gantry-Serial").orElseThrow();
  }

  private String asAuditor(String... args) {
    String previous = System.getProperty("gantry.token");
    System.setProperty("gantry.token", auditorToken);
    try {
      return ok(args);
    } finally {
      System.setProperty("gantry.token", previous);
    }
  }

  @Test
  void faultyCanaryAtTenPercentUnderSteadyLoadIsDetectedAndRolledBack() throws Exception {
    String v1 = stableVersion();
    String faulty = register("faulty", "label=faulty\nerrorRate=0.2\nhealthyFirst=5\n");
    try (LoadGenerator load = new LoadGenerator(targets(), 4, Duration.ofMillis(20))) {
      Map<String, Object> d = awaitPhase((String) ci.deploy("pricing", faulty).get("id"), "ROLLED_BACK");
      Thread.sleep(300); // requests in flight at the rollback finish
      load.close();
      assertThat((String) d.get("reason")).isEqualTo("new instances stopped, traffic on the previous version");
      assertThat(load.servedBySerial()).containsKeys(v1, faulty);
      assertThat(load.servedBySerial().get(faulty)).as("the canary got about its 10%% share: %s", load.servedBySerial())
          .isLessThan(load.servedBySerial().get(v1) / 3);
    }
    assertThat(ci.service("pricing").get("stable")).isEqualTo(v1);
    String log = asAuditor("audit", "log", "--subject", "service:pricing");
    assertThat(log).contains("deployment.analysis-recorded").contains("canary analysis failed: error-rate: 5xx rate");
    @SuppressWarnings("unchecked")
    Map<String, Object> failed = ci.analysis("pricing", (String) deploymentsOf().getFirst().get("id"), 1000).stream()
        .map(o -> (Map<String, Object>) o).filter(a -> a.get("verdict").equals("fail")).findFirst().orElseThrow();
    assertThat(failed.toString()).contains("pValue").contains("canaryErrors").contains("level");
    assertThat(asAuditor("audit", "verify")).startsWith("ok: ");
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> deploymentsOf() {
    return ((List<Object>) ci.service("pricing").get("deployments")).stream().map(o -> (Map<String, Object>) o).toList();
  }

  @Test
  void healthyCanaryPromotesThroughAllSteps() throws Exception {
    String v1 = stableVersion();
    apply("[{setWeight: 10}, {pause: 1s}, {analysis: {}}, {setWeight: 50}, {pause: 1s}]");
    String v2 = register("v2", "label=v2\n");
    try (LoadGenerator load = new LoadGenerator(targets(), 4, Duration.ofMillis(20))) {
      String id = (String) ci.deploy("pricing", v2).get("id");
      Map<String, Object> d = awaitPhase(id, "COMPLETE");
      load.close();
      assertThat(d.get("reason")).isEqualTo("all canary steps passed; all traffic on the new version");
      assertThat(load.failures()).as("failed of %d", load.total()).isZero();
      assertThat(load.servedBySerial()).containsKeys(v1, v2);
    }
    assertThat(ci.service("pricing").get("stable")).isEqualTo(v2);
    String log = asAuditor("audit", "log", "--subject", "service:pricing");
    assertThat(log).contains("weight set to 10%").contains("pause ended (1s)").contains("step analysis passed")
        .contains("weight set to 50%");
  }

  @Test
  void stickyCohortHaltFreezesAndAbortRestoresStableAtOnce() throws Exception {
    String v1 = stableVersion();
    // The halt falls in a timed pause, which would end on its own: only the halt keeps it from advancing.
    apply("[{setWeight: 30}, {pause: 3s}, {setWeight: 60}, {pause: untilPromoted}]");
    String v2 = register("v2", "label=v2\n");
    String id = (String) ci.deploy("pricing", v2).get("id");
    awaitWeight(id, 30);

    // Halt at once, inside the 3 s pause: weight and cohort stay, promotion is refused, analysis keeps reporting.
    ok("halt", "pricing", "--reason", "checking a report");
    long haltedAt = System.nanoTime();
    assertThat(canary(id)).as("halted inside the timed pause").containsEntry("weight", 30L).containsEntry("step", 1L);
    int runsAtHalt = ci.analysis("pricing", id, 10_000).size();
    CliRun refused = CliRun.of("promote", "pricing");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("halted by olga (checking a report)");

    // 200 distinct users, five requests each, interleaved: each sees one version only.
    Map<String, Set<String>> seen = new HashMap<>();
    for (int round = 0; round < 5; round++) {
      for (int u = 0; u < 200; u++) {
        seen.computeIfAbsent("user-" + u, k -> new HashSet<>()).add(servedTo("user-" + u));
      }
    }
    assertThat(seen.values()).allSatisfy(s -> assertThat(s).hasSize(1));
    long onCanary = seen.values().stream().filter(s -> s.contains(v2)).count();
    assertThat(onCanary).as("users on the canary at 30%%").isBetween(30L, 90L);
    assertThat(servedTo("tester-1")).as("a listed user always sees the canary").isEqualTo(v2);

    // Past the pause's 3 s (it began before the halt): a real server gets real time to prove nothing moves.
    long pastPause = haltedAt + Duration.ofSeconds(4).toNanos() - System.nanoTime();
    if (pastPause > 0) {
      Thread.sleep(Duration.ofNanos(pastPause));
    }
    assertThat(deployment(id).get("phase")).isEqualTo("CANARY");
    assertThat(canary(id)).as("halted past the pause's end").containsEntry("weight", 30L).containsEntry("step", 1L);
    assertThat(ci.analysis("pricing", id, 10_000).size()).as("analysis keeps reporting while halted")
        .isGreaterThan(runsAtHalt);
    for (int u = 0; u < 200; u++) {
      assertThat(Set.of(servedTo("user-" + u))).isEqualTo(seen.get("user-" + u));
    }

    // Resumed, the pause is over and the canary moves on (under load, so its analysis has data to pass).
    ok("resume", "pricing");
    try (LoadGenerator load = new LoadGenerator(targets(), 4, Duration.ofMillis(20))) {
      awaitWeight(id, 60);
    }
    assertThat(asAuditor("audit", "log", "--subject", "service:pricing")).contains("pause ended (3s)");
    assertThat(ok("status", "pricing")).contains("60% of users to " + v2);

    // Abort: every user back on stable at once.
    ok("abort", "pricing", "--reason", "enough");
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (!servedTo("tester-1").equals(v1) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    for (int u = 0; u < 200; u++) {
      assertThat(servedTo("user-" + u)).isEqualTo(v1);
    }
    assertThat(servedTo("tester-1")).isEqualTo(v1);
    awaitPhase(id, "ROLLED_BACK");
    assertThat(ci.service("pricing").get("stable")).isEqualTo(v1);
  }
}
