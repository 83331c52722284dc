package dev.gantry.cli;

import static dev.gantry.cli.CliRun.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.cli.system.ExampleVariants;
import dev.gantry.cli.system.LoadGenerator;
import dev.gantry.client.GantryClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Blue-green deployments end to end: a real server, real instance processes of the example service, the
 * real router on loopback, and load from concurrent clients.
 */
class DeployIT {
  static final Path EXAMPLE = Path.of(System.getProperty("gantry.home", "../"), "examples", "pricing-service");
  static final String SPEC = """
      name: pricing
      command: ["{java}", "-jar", "{artifact}"]
      instances: 2
      route: { pathPrefix: pricing }
      readiness: { path: /ready, interval: 200ms, timeout: 150ms, successThreshold: 1, failureThreshold: 2 }
      liveness: { path: /health, interval: 500ms, timeout: 400ms, failureThreshold: 3 }
      smoke:
        - { method: GET, path: "/price?symbol=EURUSD", expectStatus: 200, expectBodyContains: "mid" }
      verification: { window: 3s, maxErrorRate: 0.02, maxP99Ratio: 20, minRequests: 20 }
      readinessDeadline: 30s
      scaleDownDelay: 2s
      """;

  RunningServer server;
  Path dir;
  GantryClient ci;
  GantryClient operator;
  String auditorToken;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "deploy-");
    server = RunningServer.start(dir.resolve("data"), "--gantry.drift-check-interval=1s");
    GantryClient admin = server.client(server.adminToken());
    admin.createAccount("ci", "robot", List.of("deployer"));
    admin.createAccount("olga", "human", List.of("operator", "viewer"));
    ci = server.client((String) admin.createToken("ci", "1d", "pipeline").get("token"));
    operator = server.client((String) admin.createToken("olga", "1d", "first login").get("token"));
    admin.createAccount("carol", "human", List.of("auditor"));
    auditorToken = (String) admin.createToken("carol", "1d", "audit").get("token");
    System.setProperty("gantry.url", server.url());
    System.setProperty("gantry.token", (String) admin.createToken("ci", "1d", "cli").get("token"));
    Path spec = dir.resolve("pricing.yaml");
    Files.writeString(spec, SPEC);
    ok("service", "apply", "-f", spec.toString());
  }

  @AfterEach
  void stop() throws Exception {
    System.clearProperty("gantry.url");
    System.clearProperty("gantry.token");
    server.close();
    dev.gantry.cli.system.DemoCommand.stopInstances(dir.resolve("data"));
  }

  /** Runs a CLI command as the auditor (audit log and verify need that role). */
  private String asAuditor(String... args) {
    String previous = System.getProperty("gantry.token");
    System.setProperty("gantry.token", auditorToken);
    try {
      return ok(args);
    } finally {
      System.setProperty("gantry.token", previous);
    }
  }

  private String register(String name, String variant) throws Exception {
    Path jar = EXAMPLE.resolve("target/pricing-service.jar");
    if (variant != null) {
      jar = ExampleVariants.build(jar, dir.resolve(name + ".jar"), variant);
    }
    String out = ok("artifact", "register", "--service", "pricing", "--file", jar.toString(), "--no-git");
    return out.substring(out.indexOf("A-"), out.indexOf("A-") + 8);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> deployment(String id) {
    return ((List<Object>) ci.service("pricing").get("deployments")).stream().map(o -> (Map<String, Object>) o)
        .filter(d -> d.get("id").equals(id)).findFirst().orElseThrow();
  }

  /** Polls the real server until the deployment reaches one of the phases (a real process takes real time). */
  private Map<String, Object> await(String id, String... phases) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Map<String, Object> d = null;
    while (System.nanoTime() < deadline) {
      d = deployment(id);
      if (Set.of(phases).contains(d.get("phase"))) {
        return d;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("deployment " + id + " did not reach " + List.of(phases) + ": " + d);
  }

  private String deploy(String serial) {
    return (String) ci.deploy("pricing", serial).get("id");
  }

  private List<URI> targets() {
    String router = (String) ci.service("pricing").get("router");
    return Stream.of("EURUSD", "GBPUSD", "USDJPY")
        .map(s -> URI.create("http://" + router + "/pricing/price?symbol=" + s)).toList();
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> instances() {
    return ((List<Object>) ci.service("pricing").get("instances")).stream().map(o -> (Map<String, Object>) o).toList();
  }

  @Test
  void badSpecIsRefusedNamingEveryProblem() throws Exception {
    Path spec = dir.resolve("bad.yaml");
    Files.writeString(spec, "name: pricing\ncommand: [\"{java}\", \"-jar\"]\ninstancez: 2\n"
        + "readiness: { path: /ready, interval: soon }\nportArg: \"--port\"\n");
    CliRun r = CliRun.of("service", "apply", "-f", spec.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("instancez: unknown key").contains("readiness.interval: 'soon'")
        .contains("command: no {artifact}").contains("portArg: '--port' has no {port}").contains("(HTTP 400)");
  }

  @Test
  void haltFreezesADeploymentAndRefusesNewOnesAbortRestoresTheStableVersion() throws Exception {
    String v1 = register("v1", null);
    await(deploy(v1), "COMPLETE");
    String v2 = register("v2", "label=v2\n");
    String id = deploy(v2);
    operator.halt("pricing", "market close");
    String frozen = (String) deployment(id).get("phase");
    Thread.sleep(3000); // nothing may move while halted; a real server gets real time to prove it
    assertThat(deployment(id).get("phase")).isEqualTo(frozen);
    CliRun refused = CliRun.of("deploy", "pricing", "--serial", v1);
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("halted by olga (market close)");
    operator.resume("pricing");
    await(id, "POST_VERIFICATION");
    operator.abort("pricing", "changed my mind");
    Map<String, Object> d = await(id, "ROLLED_BACK");
    assertThat(d.get("abortRequested")).isEqualTo(true);
    assertThat(ci.service("pricing").get("stable")).isEqualTo(v1);
    assertThat(asAuditor("audit", "log", "--subject", "service:pricing")).contains("aborted by an operator");
    assertThat(asAuditor("audit", "log", "--subject", "halt:pricing")).contains("halt.set").contains("olga")
        .contains("market close").contains("halt.lifted");
  }

  @Test
  void switchesUnderLoadFailNoRequestAndRollbackIsInstant() throws Exception {
    String v1 = register("v1", null);
    await(deploy(v1), "COMPLETE");
    String v2 = register("v2", "label=v2\n");
    String v3 = register("v3", "label=v3\n");
    try (LoadGenerator load = new LoadGenerator(targets(), 4, Duration.ofMillis(25))) {
      await(deploy(v2), "COMPLETE");
      await(deploy(v3), "COMPLETE");
      String back = (String) operator.rollback("pricing", "testing the way back").get("id");
      Map<String, Object> d = await(back, "COMPLETE");
      assertThat(d.get("serial")).isEqualTo(v2);
      assertThat(d.get("kind")).isEqualTo("rollback");
      load.close();
      assertThat(load.failures()).as("failed of %d: %s", load.total(), load.servedBySerial()).isZero();
      assertThat(load.servedBySerial()).containsKeys(v1, v2, v3);
    }
    assertThat(ok("trace", v2)).contains("running     pricing at 127.0.0.1:");
    assertThat(asAuditor("audit", "verify")).startsWith("ok: ");
  }

  @Test
  void versionThatNeverBecomesReadyGetsNoTrafficAndIsRolledBack() throws Exception {
    String v1 = register("v1", null);
    await(deploy(v1), "COMPLETE");
    String bad = register("never-ready", "ready=false\n");
    try (LoadGenerator load = new LoadGenerator(targets(), 4, Duration.ofMillis(20))) {
      Map<String, Object> d = await(deploy(bad), "ROLLED_BACK");
      assertThat((String) d.get("reason")).isEqualTo("new instances stopped, traffic on the previous version");
      load.close();
      assertThat(load.servedBySerial()).containsOnlyKeys(v1);
      assertThat(load.failures()).isZero();
    }
    assertThat(asAuditor("audit", "log", "--subject", "service:pricing"))
        .contains("readiness did not pass before the readiness deadline");
    assertThat(instances()).extracting(i -> i.get("serial")).containsOnly(v1);
  }

  @Test
  void errorSpikeAfterTheSwitchIsRolledBackWithinSeconds() throws Exception {
    String v1 = register("v1", null);
    await(deploy(v1), "COMPLETE");
    String faulty = register("faulty", "failSymbols=USDJPY\n");
    try (LoadGenerator load = new LoadGenerator(targets(), 4, Duration.ofMillis(25))) {
      Map<String, Object> d = await(deploy(faulty), "ROLLED_BACK");
      Thread.sleep(500); // requests in flight at the rollback finish
      load.close();
      assertThat(asAuditor("audit", "log", "--subject", "service:pricing")).contains("5xx rate above the limit");
      assertThat(load.failures()).isPositive();
      assertThat(load.failureSpanSeconds()).as("first to last failed request").isLessThan(3.0);
      assertThat(d.get("serial")).isEqualTo(faulty);
    }
    assertThat(ci.service("pricing").get("stable")).isEqualTo(v1);
  }

  @Test
  void crashedInstanceIsRestartedAndTamperedCopyIsReplaced() throws Exception {
    String v1 = register("v1", null);
    await(deploy(v1), "COMPLETE");
    // A crash: the driver restarts the process; traffic keeps flowing to the other instance meanwhile.
    Map<String, Object> first = instances().getFirst();
    long pid = ((Number) first.get("pid")).longValue();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && !readyAgain((String) first.get("id"), pid)) {
      Thread.sleep(100);
    }
    assertThat(readyAgain((String) first.get("id"), pid)).as("restarted and ready").isTrue();

    // Drift: someone edits the running copy; the instance leaves routing and is replaced.
    String victim = (String) instances().get(1).get("id");
    Path copyDir = server.data.resolve("runtime/instances/" + victim + "/artifact");
    Files.setPosixFilePermissions(copyDir, PosixFilePermissions.fromString("rwx------"));
    Path copy;
    try (Stream<Path> s = Files.list(copyDir)) {
      copy = s.findFirst().orElseThrow();
    }
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
    byte[] b = Files.readAllBytes(copy);
    b[b.length - 10] ^= 1;
    Files.write(copy, b);
    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && (instances().stream().anyMatch(i -> i.get("id").equals(victim))
        || instances().size() < 2 || instances().stream().anyMatch(i -> !Boolean.TRUE.equals(i.get("ready"))))) {
      Thread.sleep(100);
    }
    assertThat(instances()).extracting(i -> i.get("id")).doesNotContain(victim).hasSize(2);
    assertThat(asAuditor("audit", "log", "--subject", "instance:" + victim)).contains("instance.drifted")
        .contains("instance.stopped");
  }

  /** The instance runs as a new process (the restart is recorded with its pid) and is ready again. */
  private boolean readyAgain(String id, long oldPid) {
    return instances().stream().anyMatch(i -> i.get("id").equals(id) && Boolean.TRUE.equals(i.get("ready"))
        && ((Number) i.get("pid")).longValue() != oldPid);
  }

  @Test
  void serverKilledInEachPhaseConvergesAfterRestart() throws Exception {
    String v1 = register("v1", null);
    await(deploy(v1), "COMPLETE");
    String next = v1;
    int k = 2;
    for (String phase : List.of("PROVISIONING", "VERIFYING", "POST_VERIFICATION")) {
      String v = register("v" + k, "label=v" + k + "\n");
      k++;
      String id = deploy(v);
      await(id, phase);
      server.kill();
      server = RunningServer.start(server.data, "--gantry.drift-check-interval=1s");
      System.setProperty("gantry.url", server.url());
      ci = server.client(ciToken());
      Map<String, Object> d = await(id, "COMPLETE", "ROLLED_BACK");
      assertThat(d.get("phase")).as("after a kill in %s", phase).isEqualTo("COMPLETE");
      next = v;
      // No orphans: every running instance process of this data directory is known to the ledger.
      long known = instances().size();
      long processes = ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
          .map(c -> c.contains(server.data.resolve("runtime").toString())).orElse(false)).count();
      assertThat(processes).as("instance processes after a kill in %s", phase).isEqualTo(known);
    }
    assertThat(ci.service("pricing").get("stable")).isEqualTo(next);
    assertThat(asAuditor("audit", "verify")).startsWith("ok: ");
  }

  private String ciToken() {
    return System.getProperty("gantry.token");
  }
}
