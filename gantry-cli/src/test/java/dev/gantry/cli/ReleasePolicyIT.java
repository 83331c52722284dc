package dev.gantry.cli;

import static dev.gantry.cli.CliRun.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.cli.system.ExampleVariants;
import dev.gantry.client.GantryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Release policy end to end through the CLI, on a real server with real instances of the example service:
 * prod refuses an artifact with only smoke evidence; after it completes in staging, gets full-suite evidence
 * and two approvals by distinct humans, prod accepts it. Then an operator breaks glass back to it.
 */
class ReleasePolicyIT {
  static final Path EXAMPLE = DeployIT.EXAMPLE;
  static final String SPEC = DeployIT.SPEC;

  RunningServer server;
  Path dir;
  final java.util.Map<String, String> tokens = new java.util.HashMap<>();

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "release-");
    server = RunningServer.start(dir.resolve("data"));
    GantryClient admin = server.client(server.adminToken());
    admin.createAccount("ci", "robot", List.of("deployer"));
    admin.createAccount("olga", "human", List.of("operator", "viewer"));
    admin.createAccount("alice", "human", List.of("approver"));
    admin.createAccount("bob", "human", List.of("approver"));
    admin.createAccount("carol", "human", List.of("auditor"));
    for (String a : List.of("ci", "olga", "alice", "bob", "carol")) {
      tokens.put(a, (String) admin.createToken(a, "1d", "release test").get("token"));
    }
    System.setProperty("gantry.url", server.url());
    as("ci");
    Files.writeString(dir.resolve("pricing.yaml"), SPEC);
    ok("service", "apply", "-f", dir.resolve("pricing.yaml").toString());
    Files.writeString(dir.resolve("staging.yaml"), "name: staging\nrules: { noFailedTests: true }\n");
    // A daily freeze that starts twelve hours from now: present in every evaluation, never in force during
    // this test (the freeze itself is tested on the server's test clock in PolicyApiTest).
    java.time.ZonedDateTime freeze = java.time.ZonedDateTime.now(java.time.ZoneId.of("America/New_York")).plusHours(12);
    Files.writeString(dir.resolve("prod.yaml"), """
        name: prod
        requires: [staging]
        rules:
          fullSuite: { suite: full }
          noFailedTests: true
          provenance: true
          sbom: true
          approvals: { count: 2, expiresAfter: 72h }
        windows:
          - { name: market-close, schedule: "%d %d * * *", duration: 30m, timeZone: America/New_York }
        custom:
          - { name: signed, expression: "artifact.provenance.verified", message: "sign it" }
        """.formatted(freeze.getMinute(), freeze.getHour()));
    as("olga");
    assertThat(ok("env", "apply", "-f", dir.resolve("staging.yaml").toString())).contains("environment staging applied");
    assertThat(ok("env", "apply", "-f", dir.resolve("prod.yaml").toString())).contains("environment prod applied");
    reports("smoke", 3);
    reports("full", 12);
  }

  @AfterEach
  void stop() throws Exception {
    System.clearProperty("gantry.url");
    System.clearProperty("gantry.token");
    server.close();
    dev.gantry.cli.system.DemoCommand.stopInstances(dir.resolve("data"));
  }

  void as(String account) {
    System.setProperty("gantry.token", tokens.get(account));
  }

  void reports(String suite, int n) throws Exception {
    Path d = Files.createDirectories(dir.resolve(suite));
    StringBuilder b = new StringBuilder("<testsuite name=\"" + suite + "\" tests=\"" + n + "\" failures=\"0\" errors=\"0\""
        + " skipped=\"0\">");
    for (int i = 0; i < n; i++) {
      b.append("<testcase classname=\"pricing.").append(suite).append("\" name=\"t").append(i).append("\" time=\"0.1\"/>");
    }
    Files.writeString(d.resolve("TEST-" + suite + ".xml"), b.append("</testsuite>"));
  }

  String register(String name, String variant) throws Exception {
    Path jar = EXAMPLE.resolve("target/pricing-service.jar");
    if (variant != null) {
      jar = ExampleVariants.build(jar, dir.resolve(name + ".jar"), variant);
    }
    String out = ok("artifact", "register", "--service", "pricing", "--file", jar.toString(), "--no-git",
        "--sbom", EXAMPLE.resolve("target/classes/META-INF/sbom/application.cdx.json").toString(),
        "--tests", dir.resolve("smoke").toString(), "--suite", "smoke");
    return out.substring(out.indexOf("A-"), out.indexOf("A-") + 8);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> await(String id, String... phases) throws InterruptedException {
    GantryClient c = server.client(tokens.get("ci"));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Map<String, Object> d = null;
    while (System.nanoTime() < deadline) {
      d = ((List<Object>) c.service("pricing").get("deployments")).stream().map(o -> (Map<String, Object>) o)
          .filter(x -> x.get("id").equals(id)).findFirst().orElseThrow();
      if (Set.of(phases).contains(d.get("phase"))) {
        return d;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("deployment " + id + " did not reach " + List.of(phases) + ": " + d);
  }

  @SuppressWarnings("unchecked")
  List<String> instanceIds() {
    return ((List<Object>) server.client(tokens.get("ci")).service("pricing").get("instances")).stream()
        .map(o -> ((Map<String, Object>) o).get("id") + "/" + ((Map<String, Object>) o).get("state")).toList();
  }

  static String id(String deployOutput) {
    return deployOutput.substring("deployment ".length(), deployOutput.indexOf(':'));
  }

  @Test
  void prodRefusesSmokeOnlyThenAcceptsAfterStagingFullSuiteAndTwoApprovalsAndBreakGlassRollsBack() throws Exception {
    as("ci");
    String v1 = register("v1", null);

    CliRun check = CliRun.of("release", "check", "pricing", "--serial", v1, "--env", "prod");
    assertThat(check.exit()).isEqualTo(1);
    assertThat(check.out()).contains("would be refused (3 rules failed)").contains("PASS windows")
        .contains("FAIL promotion").contains("FAIL fullSuite").contains("only smoke (not enough)")
        .contains("FAIL approvals").contains("PASS provenance").contains("PASS cel:signed")
        .contains("a check records nothing");

    CliRun refused = CliRun.of("deploy", "pricing", "--serial", v1, "--env", "prod");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("refused by the policy of prod (HTTP 409; evaluation recorded at ledger seq")
        .contains("→ deploy it to staging first (gantry deploy pricing --serial " + v1 + " --env staging)")
        .contains("→ record passing full suite evidence");

    await(id(ok("deploy", "pricing", "--serial", v1, "--env", "staging")), "COMPLETE");
    ok("artifact", "tests", v1, "--tests", dir.resolve("full").toString(), "--suite", "full");

    as("ci");
    CliRun robot = CliRun.of("approve", "pricing", "--serial", v1, "--env", "prod");
    assertThat(robot.err()).contains("needs the role approver");
    as("alice");
    assertThat(ok("approve", "pricing", "--serial", v1, "--env", "prod", "--comment", "PRC-101 signed off"))
        .contains("alice approved " + v1 + " of pricing for prod (sha256:");
    CliRun twice = CliRun.of("approve", "pricing", "--serial", v1, "--env", "prod");
    assertThat(twice.err()).contains("alice already approved " + v1 + " for prod").contains("(HTTP 409)");
    as("bob");
    ok("approve", "pricing", "--serial", v1, "--env", "prod");

    as("ci");
    assertThat(ok("release", "check", "pricing", "--serial", v1, "--env", "prod")).contains("would be allowed");
    List<String> before = instanceIds();
    assertThat(ok("deploy", "pricing", "--serial", v1, "--env", "prod"))
        .contains(v1 + " released into prod (already serving");
    // The release in place changes nothing at the runtime: past scaleDownDelay (2s) the same instances serve.
    Thread.sleep(3000);
    assertThat(instanceIds()).isEqualTo(before);

    // v2 goes the same way; then prod tightens to three approvals, and v2 turns out bad.
    String v2 = register("v2", "label=v2\n");
    await(id(ok("deploy", "pricing", "--serial", v2, "--env", "staging")), "COMPLETE");
    ok("artifact", "tests", v2, "--tests", dir.resolve("full").toString(), "--suite", "full");
    for (String approver : List.of("alice", "bob")) {
      as(approver);
      ok("approve", "pricing", "--serial", v2, "--env", "prod");
    }
    as("ci");
    ok("deploy", "pricing", "--serial", v2, "--env", "prod");
    as("olga");
    Files.writeString(dir.resolve("prod.yaml"), Files.readString(dir.resolve("prod.yaml"))
        .replace("count: 2", "count: 3"));
    ok("env", "apply", "-f", dir.resolve("prod.yaml").toString());

    as("ci");
    CliRun back = CliRun.of("deploy", "pricing", "--serial", v1, "--env", "prod");
    assertThat(back.err()).contains("FAIL approvals").contains("2 of 3 approvals");
    CliRun notOperator = CliRun.of("deploy", "pricing", "--serial", v1, "--env", "prod", "--break-glass", "--reason", "x");
    assertThat(notOperator.err()).contains("needs the role operator");
    as("olga");
    String out = ok("deploy", "pricing", "--serial", v1, "--env", "prod", "--break-glass", "--reason",
        "v2 quotes stale prices");
    assertThat(out).contains(v2 + " → " + v1 + " started in prod (BREAK GLASS: recorded in the ledger)");
    Map<String, Object> d = await(id(out), "COMPLETE");
    assertThat(d).containsEntry("breakGlass", true).containsEntry("environment", "prod");

    assertThat(ok("trace", v1)).contains("approved    prod by alice at").contains("(\"PRC-101 signed off\")")
        .contains("approved    prod by bob").containsPattern("deployment  pricing-d\\d+ \\(deploy from " + v2
            + ", prod\\) COMPLETE by olga BREAK GLASS");
    as("carol");
    assertThat(ok("audit", "log", "--subject", "service:pricing")).contains("release.break-glass")
        .contains("v2 quotes stale prices").contains("\"overridden\":[\"approvals\"]");
    assertThat(ok("audit", "log", "--subject", "artifact:" + v1)).contains("policy.evaluated")
        .contains("approval.recorded").contains("\"breakGlass\":true");
    assertThat(ok("audit", "verify")).startsWith("ok: ");
  }
}
