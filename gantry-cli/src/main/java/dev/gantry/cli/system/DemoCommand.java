package dev.gantry.cli.system;

import dev.gantry.cli.CliException;
import dev.gantry.cli.Gantry;
import dev.gantry.client.GantryApiException;
import dev.gantry.client.GantryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry demo}: a guided tour on a fresh installation in a temporary data directory: a server,
 * accounts with separated duties, refused requests, the ledger, a proof, an export verified offline,
 * and an altered export that verification rejects, naming the entry.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start a throw-away server and walk through accounts, the ledger and offline verification.")
public final class DemoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data", description = "data directory to use (default: a new temporary one)")
  Path data;

  @Option(names = "--keep", description = "leave the server running when the tour ends")
  boolean keep;

  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    Path dir = data != null ? data : Files.createTempDirectory("gantry-demo-");
    int port = freePort();
    String url = "http://127.0.0.1:" + port;
    Path log = dir.resolve("server.log");
    Files.createDirectories(dir);
    step("Start a Gantry server (SQLite ledger in " + dir + ")");
    Process server = ServerProcess.start(List.of("--data", dir.toString(), "--port", String.valueOf(port),
        "--gantry.router-port=0"), log);
    try {
      waitForHealth(url, server, log);
      String adminToken = Files.readString(dir.resolve("bootstrap-admin.token")).strip();
      say("listening on " + url + "; first start created the admin account and its token (0600 file)");
      GantryClient admin = new GantryClient(URI.create(url), adminToken);

      step("Admin creates accounts: a human approver, a human auditor, a CI robot that deploys");
      cli(url, adminToken, "account", "create", "alice", "--kind", "human", "--role", "approver");
      cli(url, adminToken, "account", "create", "carol", "--kind", "human", "--role", "auditor");
      cli(url, adminToken, "account", "create", "ci", "--kind", "robot", "--role", "deployer");

      step("Separation of duties: these are refused, and each refusal is recorded");
      refused(() -> admin.createAccount("robo-approver", "robot", List.of("approver")));
      refused(() -> admin.createAccount("superuser", "human", List.of("admin", "deployer")));
      refused(() -> admin.setRoles("admin", List.of("admin", "auditor")));
      refused(() -> admin.createAccount("../etc", "human", List.of("viewer")));

      step("Tokens: 256 random bits, shown once, stored only as a hash");
      String ciToken = (String) admin.createToken("ci", "30d", "pipeline").get("token");
      String carolToken = (String) admin.createToken("carol", "1d", "audit session").get("token");
      say("ci token " + ciToken.substring(0, 8) + "..., carol token " + carolToken.substring(0, 8) + "...");
      GantryClient ci = new GantryClient(URI.create(url), ciToken);
      refused(() -> ci.createAccount("backdoor", "human", List.of("approver")));
      refused(() -> new GantryClient(URI.create(url), "gty_" + "A".repeat(43)).whoami());

      Path example = Path.of(System.getProperty("gantry.home", "."), "examples", "pricing-service");
      Path jar = example.resolve("target/pricing-service.jar");
      if (Files.exists(jar)) {
        artifactTour(url, ciToken, dir, example, jar);
        deployTour(url, ciToken, carolToken, dir, example, jar);
        policyTour(url, admin, ciToken, dir, example, jar);
      } else {
        step("Artifacts: skipped (build the example first: ./mvnw -DskipTests install)");
      }

      step("The ledger, as the auditor sees it");
      cli(url, carolToken, "audit", "log");

      step("Verify: hash chain, Merkle root vs signed checkpoints, replay into empty projections");
      cli(url, carolToken, "audit", "verify");

      step("An inclusion proof for entry 5 (C2SP tlog-proof@v1)");
      cli(url, carolToken, "audit", "proof", "--seq", "5");

      Path export = dir.resolve("ledger-export.jsonl");
      step("Export, then verify offline with the key alone (no server involved)");
      cli(url, carolToken, "audit", "export", "--out", export.toString());
      Path key = dir.resolve("checkpoint.pub");
      cli(url, null, "audit", "verify", "--file", export.toString(), "--key", key.toString());

      Path forged = dir.resolve("ledger-forged.jsonl");
      List<String> lines = new java.util.ArrayList<>(Files.readAllLines(export));
      int victim = -1;
      for (int i = 1; i < lines.size() && victim < 0; i++) {
        if (lines.get(i).contains("\"type\":\"account.created\"") && lines.get(i).contains("\"name\":\"ci\"")) {
          victim = i;
        }
      }
      step("Someone edits the export: entry " + victim + " now makes the robot ci an approver");
      lines.set(victim, lines.get(victim).replace("\"deployer\"", "\"approver\""));
      Files.write(forged, lines);
      int rc = cli(url, null, "audit", "verify", "--file", forged.toString(), "--key", key.toString());
      if (rc == 0) {
        throw new CliException("demo: the forged export verified; this is a bug");
      }
      say("verification exit code " + rc + ": the forgery is caught and the entry named");

      step("Done");
      say("data directory: " + dir);
      say("server log:     " + log);
      if (keep) {
        say("server still running at " + url + " (pid " + server.pid() + "); admin token in "
            + dir.resolve("bootstrap-admin.token"));
      }
      return 0;
    } finally {
      if (!keep) {
        server.destroy();
        server.waitFor();
        stopInstances(dir);
      }
    }
  }

  /** Registers the example build from a fresh git repository, then traces and verifies it. */
  private void artifactTour(String url, String ciToken, Path dir, Path example, Path jar) throws Exception {
    step("A git repository for the pricing service: one commit names requirement PRC-101, one names none");
    Path repo = dir.resolve("pricing-repo");
    DemoRepository.create(example, repo);
    say("repository " + repo);

    step("CI registers the build: jar, CycloneDX SBOM, smoke tests, source commit");
    cli(url, ciToken, "artifact", "register", "--service", "pricing", "--file", jar.toString(),
        "--sbom", example.resolve("target/classes/META-INF/sbom/application.cdx.json").toString(),
        "--tests", example.resolve("target/surefire-reports").toString(), "--suite", "smoke",
        "--git", repo.toString(), "--tool", "maven=3.9.16");

    step("Trace: what is A-000001, exactly?");
    cli(url, ciToken, "trace", "A-000001");
    cli(url, ciToken, "requirements", "show", "PRC-101");

    step("Provenance, verified offline: signature and subject digest of the stamped jar");
    Path envelope = dir.resolve("pricing.intoto.json");
    Path key = dir.resolve("provenance.pub");
    GantryClient ci = new GantryClient(URI.create(url), ciToken);
    Files.writeString(envelope, ci.provenance("A-000001"));
    Files.writeString(key, ci.provenanceKey());
    Path stamped = dir.resolve("pricing-service.jar");
    ci.downloadArtifact("A-000001", true, stamped);
    cli(url, null, "artifact", "verify", stamped.toString(), "--provenance", envelope.toString(), "--key",
        key.toString());
  }

  /** Blue-green: v1, a healthy v2 under load, a faulty v3 that rolls back by itself. */
  private void deployTour(String url, String ciToken, String auditorToken, Path dir, Path example, Path jar)
      throws Exception {
    step("Deploy: the service spec (probes, smoke checks, verification window) goes into the ledger");
    cli(url, ciToken, "service", "apply", "-f", example.resolve("pricing.yaml").toString());

    step("Deploy v1 (A-000001): provision, readiness, smoke checks through the preview route, switch, verify");
    cli(url, ciToken, "deploy", "pricing", "--serial", "A-000001", "--watch");
    GantryClient ci = new GantryClient(URI.create(url), ciToken);
    String router = (String) ci.service("pricing").get("router");
    List<URI> targets = List.of("EURUSD", "GBPUSD", "USDJPY").stream()
        .map(sym -> URI.create("http://" + router + "/pricing/price?symbol=" + sym)).toList();
    say("router " + router + "; load: 8 clients, one request each every 50 ms, on /pricing/price for 3 symbols");

    Path v2 = ExampleVariants.build(jar, dir.resolve("pricing-v2.jar"), "label=v2\n");
    Path v3 = ExampleVariants.build(jar, dir.resolve("pricing-v3-faulty.jar"), "label=v3\nfailSymbols=USDJPY\n");
    cli(url, ciToken, "artifact", "register", "--service", "pricing", "--file", v2.toString(), "--no-git");
    cli(url, ciToken, "artifact", "register", "--service", "pricing", "--file", v3.toString(), "--no-git");
    try (LoadGenerator load = new LoadGenerator(targets, 8, Duration.ofMillis(50))) {
      step("Deploy v2 (A-000002, healthy) under load");
      cli(url, ciToken, "deploy", "pricing", "--serial", "A-000002", "--watch");
      long failedBefore = load.failures();
      step("Deploy v3 (A-000003, USDJPY prices fail; the EURUSD smoke check passes): rolled back by itself");
      int rc = cli(url, ciToken, "deploy", "pricing", "--serial", "A-000003", "--watch");
      say("exit code " + rc + " (1: rolled back)");
      Thread.sleep(1000); // let the last requests on v2 complete before counting
      load.close();
      step("Requests through the router");
      say("served: " + load.servedBySerial() + "; failed: " + load.failures() + " of " + load.total()
          + " (" + (load.failures() - failedBefore) + " during v3's verification window, spread over "
          + String.format("%.1f", load.failureSpanSeconds()) + " s)");
    }
    canaryTour(url, ciToken, dir, example, jar, targets);
    step("What runs now, and how it got there");
    cli(url, ciToken, "status", "pricing");
    step("The version directory: what runs at which address, who calls it, what retired and why");
    cli(url, ciToken, "versions", "pricing");
    cli(url, ciToken, "trace", "A-000004");
    step("The deployment timeline in the ledger");
    cli(url, auditorToken, "audit", "log", "--subject", "service:pricing");
  }

  /** Canary: a healthy v4 promoted step by step, then a faulty v5 pulled by the analysis within seconds. */
  private void canaryTour(String url, String ciToken, Path dir, Path example, Path jar, List<URI> targets)
      throws Exception {
    step("Canary: the spec now releases pricing step by step (10% → analysis → 50% → all), sticky per user");
    cli(url, ciToken, "service", "apply", "-f", example.resolve("pricing-canary.yaml").toString());
    Path v4 = ExampleVariants.build(jar, dir.resolve("pricing-v4.jar"), "label=v4\n");
    Path v5 = ExampleVariants.build(jar, dir.resolve("pricing-v5-faulty.jar"), "label=v5\nerrorRate=0.2\nhealthyFirst=5\n");
    cli(url, ciToken, "artifact", "register", "--service", "pricing", "--file", v4.toString(), "--no-git");
    cli(url, ciToken, "artifact", "register", "--service", "pricing", "--file", v5.toString(), "--no-git");
    try (LoadGenerator load = new LoadGenerator(targets, 8, Duration.ofMillis(50))) {
      step("Canary v4 (A-000004, healthy) under load: each step, the analysis gate, then all traffic");
      cli(url, ciToken, "deploy", "pricing", "--serial", "A-000004", "--watch");
      long failedBefore = load.failures();
      step("Canary v5 (A-000005: 20% of its requests fail once under load; smoke passes): pulled by the analysis");
      int rc = cli(url, ciToken, "deploy", "pricing", "--serial", "A-000005", "--watch");
      say("exit code " + rc + " (1: rolled back)");
      Thread.sleep(1000);
      load.close();
      long answered = load.servedBySerial().getOrDefault("A-000005", 0L) + load.failures("A-000005");
      say("v5 answered " + answered + " requests over " + String.format("%.1f", load.answerSpanSeconds("A-000005"))
          + " s before all traffic was back on v4; failed requests: " + (load.failures() - failedBefore) + " of "
          + load.total() + " in all");
    }
  }

  private int cli(String url, String token, String... args) {
    StringBuilder shown = new StringBuilder("$ gantry");
    for (String a : args) {
      shown.append(' ').append(a);
    }
    out.println(shown);
    out.flush();
    try {
      DemoEnvironment.set(url, token);
      return Gantry.run(args);
    } finally {
      DemoEnvironment.clear();
    }
  }

  /**
   * Instances outlive a server (the next start adopts them); a throw-away demo stops the ones it started,
   * found by their artifact copies under its data directory.
   */
  public static void stopInstances(Path dir) {
    String runtime = dir.resolve("runtime").toString();
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(runtime)).orElse(false))
        .forEach(p -> {
          p.destroy();
          try {
            p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
          } catch (Exception e) {
            p.destroyForcibly();
          }
        });
  }

  /** Environments and four eyes: prod refuses a new build until staging, full-suite evidence and two approvals. */
  private void policyTour(String url, GantryClient admin, String ciToken, Path dir, Path example, Path jar)
      throws Exception {
    step("Environments: staging, then prod (requires staging; full suite, no failed tests, signed provenance,"
        + " two approvals)");
    admin.createAccount("olga", "human", List.of("operator", "viewer"));
    admin.createAccount("bob", "human", List.of("approver"));
    String olga = (String) admin.createToken("olga", "1d", "demo").get("token");
    String alice = (String) admin.createToken("alice", "1d", "demo").get("token");
    String bob = (String) admin.createToken("bob", "1d", "demo").get("token");
    Path staging = dir.resolve("staging.yaml");
    Path prod = dir.resolve("prod.yaml");
    Files.writeString(staging, "name: staging\ndescription: pre-production\n");
    Files.writeString(prod, """
        name: prod
        requires: [staging]
        rules:
          fullSuite: { suite: full }
          noFailedTests: true
          provenance: true
          approvals: { count: 2, expiresAfter: 72h }
        """);
    cli(url, olga, "env", "apply", "-f", staging.toString());
    cli(url, olga, "env", "apply", "-f", prod.toString());

    step("CI registers v6 (smoke tests only) and releases blue-green again");
    Path v6 = ExampleVariants.build(jar, dir.resolve("pricing-v6.jar"), "label=v6\n");
    cli(url, ciToken, "artifact", "register", "--service", "pricing", "--file", v6.toString(), "--no-git",
        "--tests", example.resolve("target/surefire-reports").toString(), "--suite", "smoke");
    String serial = "A-000006";
    cli(url, ciToken, "service", "apply", "-f", example.resolve("pricing.yaml").toString());

    step("Prod refuses " + serial + ": not in staging yet, only smoke evidence, no approvals (the refusal is recorded)");
    cli(url, ciToken, "release", "check", "pricing", "--serial", serial, "--env", "prod");
    cli(url, ciToken, "deploy", "pricing", "--serial", serial, "--env", "prod");

    step("Four eyes: the robot cannot approve, alice can, alice twice cannot, bob can");
    cli(url, ciToken, "approve", "pricing", "--serial", serial, "--env", "prod");
    cli(url, alice, "approve", "pricing", "--serial", serial, "--env", "prod", "--comment", "quotes checked");
    cli(url, alice, "approve", "pricing", "--serial", serial, "--env", "prod");
    cli(url, bob, "approve", "pricing", "--serial", serial, "--env", "prod");

    step("Full-suite evidence for this digest, a release into staging, and prod accepts");
    Path full = Files.createDirectories(dir.resolve("full-suite"));
    Files.writeString(full.resolve("TEST-pricing.FullIT.xml"), "<testsuite name=\"pricing.FullIT\" tests=\"2\""
        + " failures=\"0\" errors=\"0\" skipped=\"0\"><testcase classname=\"pricing.FullIT\" name=\"quotes\""
        + " time=\"0.2\"/><testcase classname=\"pricing.FullIT\" name=\"spreads\" time=\"0.3\"/></testsuite>");
    cli(url, ciToken, "artifact", "tests", serial, "--tests", full.toString(), "--suite", "full");
    cli(url, ciToken, "deploy", "pricing", "--serial", serial, "--env", "staging", "--watch");
    cli(url, ciToken, "release", "check", "pricing", "--serial", serial, "--env", "prod");
    cli(url, ciToken, "deploy", "pricing", "--serial", serial, "--env", "prod");
  }

  private void refused(Runnable call) {
    try {
      call.run();
      throw new CliException("demo: a request that should have been refused was accepted");
    } catch (GantryApiException e) {
      Object code = e.problem().get("code");
      say("refused " + e.status() + " " + code + ": " + e.getMessage());
    }
  }

  private void step(String title) {
    out.println();
    out.println("== " + title);
    out.flush();
  }

  private void say(String text) {
    out.println("   " + text);
    out.flush();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void waitForHealth(String url, Process server, Path log) throws Exception {
    GantryClient c = new GantryClient(URI.create(url), null);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new CliException("the server exited with " + server.exitValue() + "; see " + log);
      }
      try {
        Map<String, Object> h = c.health();
        if ("UP".equals(h.get("status"))) {
          return;
        }
      } catch (GantryApiException notYet) {
        // still starting
      }
      Thread.sleep(200);
    }
    throw new CliException("the server did not become healthy within 90 s; see " + log);
  }
}
