package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.client.GantryApiException;
import dev.gantry.client.GantryClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Release policy over the API, on a real server with the test clock: prod refuses an artifact with only
 * smoke evidence and no approvals, then accepts it after full-suite evidence and two approvals by distinct
 * humans who did not write it; the market-close freeze refuses with the time it ends; a rejection stands.
 */
class PolicyApiTest extends ApiTestSupport {
  static final String SBOM = """
      {"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library",
      "bom-ref":"pkg:maven/org.example/lib@1.0","name":"lib","version":"1.0","purl":"pkg:maven/org.example/lib@1.0"}]}""";

  GantryClient ci;
  GantryClient olga;
  GantryClient alice;
  GantryClient bob;
  GantryClient dana;
  String service;

  @BeforeEach
  void accounts() {
    String n = unique("p");
    ci = client(account("ci-" + n, "robot", "deployer"));
    olga = client(account("olga-" + n, "human", "operator"));
    alice = client(account("alice-" + n, "human", "approver"));
    bob = client(account("bob-" + n, "human", "approver"));
    // The author of the artifact's commit (matched by the local part of her e-mail address).
    dana = client(account("dana-" + n, "human", "approver"));
    service = "svc-" + n;
    ci.applyService(service, Map.of("name", service, "command", List.of("{java}", "-jar", "{artifact}"),
        "route", Map.of("pathPrefix", service)));
  }

  /** Registers a small jar with a commit by dana and an SBOM, plus smoke evidence; returns the serial. */
  String registerWithSmokeOnly() throws IOException {
    return registerWithSmokeOnly("");
  }

  /** The same for a build that differs by suffix (other bytes, another digest, another serial). */
  String registerWithSmokeOnly(String suffix) throws IOException {
    Path jar = TestDirs.fresh("jar").resolve(service + suffix + ".jar");
    Manifest mf = new Manifest();
    mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, mf)) {
      j.putNextEntry(new ZipEntry("app/" + service + ".txt"));
      j.write((service + suffix).getBytes());
    }
    Map<String, Object> up = ci.uploadArtifact(jar);
    String danaName = dana.whoami().get("account").toString();
    Map<String, Object> a = ci.registerArtifact(Map.of("service", service, "digest", up.get("sha256"),
        "filename", jar.getFileName().toString(), "sbom", SBOM,
        "source", Map.of("repo", "https://git.bank.example/desk/" + service + ".git", "commit", "a".repeat(40),
            "branch", "main", "dirty", false),
        "commits", List.of(Map.of("id", "a".repeat(40), "author", "Dana Dev <" + danaName + "@bank.example>",
            "time", "2029-12-31T12:00:00Z", "message", "PRC-101 quote mid prices"))));
    String serial = (String) a.get("serial");
    ci.addTests(serial, "smoke", Map.of("TEST-smoke.xml", junit("Smoke", 3)));
    return serial;
  }

  static String junit(String suite, int n) {
    StringBuilder b = new StringBuilder("<testsuite name=\"" + suite + "\" tests=\"" + n
        + "\" failures=\"0\" errors=\"0\" skipped=\"0\">");
    for (int i = 0; i < n; i++) {
      b.append("<testcase classname=\"").append(suite).append("\" name=\"t").append(i).append("\" time=\"0.01\"/>");
    }
    return b.append("</testsuite>").toString();
  }

  void prod(String name, Map<String, Object> extra) {
    Map<String, Object> def = new java.util.LinkedHashMap<>(Map.of("name", name, "rules", Map.of(
        "fullSuite", true, "noFailedTests", true, "requirementsLinked", true, "provenance", true, "sbom", true,
        "approvals", Map.of("count", 2L, "expiresAfter", "72h"))));
    def.putAll(extra);
    olga.applyEnvironment(name, def);
  }

  @SuppressWarnings("unchecked")
  static List<String> failedRules(Map<String, Object> checkOrProblem) {
    return ((List<Object>) checkOrProblem.get("failed")).stream().map(o -> (String) ((Map<String, Object>) o)
        .get("rule")).toList();
  }

  @Test
  void prodRefusesSmokeOnlyThenAcceptsAfterFullSuiteAndTwoDistinctApprovals() throws IOException {
    String env = "prod-" + service;
    prod(env, Map.of());
    String serial = registerWithSmokeOnly();

    // The dry run answers before trying, and records nothing.
    long size = ledgerSize();
    Map<String, Object> check = ci.checkRelease(service, serial, env);
    assertThat(check.get("allowed")).isEqualTo(false);
    assertThat(check.get("recorded")).isEqualTo(false);
    assertThat(failedRules(check)).containsExactly("fullSuite", "approvals");
    assertThat(ledgerSize()).isEqualTo(size);

    // The deployment is refused with every failed rule, and the evaluation is in the ledger.
    GantryApiException refused = refused(409, "policy-refused", () -> ci.deploy(service, serial, env, false, null));
    assertThat(refused.getMessage()).contains(env + " refuses " + serial).contains("fullSuite (no full suite evidence")
        .contains("only smoke (not enough)").contains("approvals (0 of 2 approvals");
    assertThat(failedRules(refused.problem())).containsExactly("fullSuite", "approvals");
    Map<String, Object> evaluated = entry((Long) refused.problem().get("seq"));
    assertThat(evaluated.get("type")).isEqualTo("policy.evaluated");
    assertThat(map(evaluated.get("body"))).containsEntry("allowed", false).containsEntry("environment", env)
        .containsEntry("deployment", null);

    // Four eyes: the author, a robot and a double approval are refused; two distinct humans are not.
    refused(403, "separation-of-duties", () -> dana.decideRelease(service, serial, env, "approve", null));
    refused(403, "forbidden", () -> ci.decideRelease(service, serial, env, "approve", null));
    Map<String, Object> first = alice.decideRelease(service, serial, env, "approve", "reviewed PRC-101");
    assertThat(first.get("digest")).as("bound to the digest").isEqualTo(ci.artifact(serial).get("stampedDigest"));
    refused(409, "already-approved", () -> alice.decideRelease(service, serial, env, "approve", null));
    bob.decideRelease(service, serial, env, "approve", null);
    assertThat(failedRules(ci.checkRelease(service, serial, env))).containsExactly("fullSuite");

    // Approvals for another environment are not approvals for this one.
    String other = "prod2-" + service;
    prod(other, Map.of());
    assertThat(failedRules(ci.checkRelease(service, serial, other))).containsExactly("fullSuite", "approvals");

    ci.addTests(serial, "full", Map.of("TEST-full.xml", junit("Full", 12)));
    assertThat(ci.checkRelease(service, serial, env).get("allowed")).isEqualTo(true);
    Map<String, Object> d = ci.deploy(service, serial, env, false, null);
    assertThat(d).containsEntry("environment", env).containsEntry("breakGlass", false);
    List<Map<String, Object>> after = entriesFrom((Long) refused.problem().get("seq") + 1);
    Map<String, Object> allowed = after.stream().filter(e -> e.get("type").equals("policy.evaluated")).findFirst()
        .orElseThrow();
    assertThat(map(allowed.get("body"))).containsEntry("allowed", true).containsEntry("deployment", d.get("id"));
    olga.abort(service, "test over"); // the tiny jar does not serve; stop the loop working on it
  }

  @Test
  void approvalsAreBoundToTheArtifactAndTheEnvironment() throws IOException {
    String env = "prod-" + service;
    prod(env, Map.of());
    String v1 = registerWithSmokeOnly();
    String v2 = registerWithSmokeOnly("-v2");
    assertThat(v2).isNotEqualTo(v1);
    alice.decideRelease(service, v1, env, "approve", null);
    bob.decideRelease(service, v1, env, "approve", null);
    assertThat(failedRules(ci.checkRelease(service, v1, env))).containsExactly("fullSuite");
    // The next build of the same service starts from zero: the approvals name v1's digest.
    assertThat(failedRules(ci.checkRelease(service, v2, env))).containsExactly("fullSuite", "approvals");
    @SuppressWarnings("unchecked")
    Map<String, Object> rule = ((List<Map<String, Object>>) ci.checkRelease(service, v2, env).get("failed")).get(1);
    assertThat(rule.get("reason")).asString().startsWith("0 of 2 approvals");
  }

  @Test
  void marketCloseFreezeRefusesWithTheTimeItEnds() throws IOException {
    String env = "frozen-" + service;
    olga.applyEnvironment(env, Map.of("name", env, "windows", List.of(Map.of("name", "market-close",
        "schedule", "45 15 * * MON-FRI", "duration", "30m", "timeZone", "America/New_York",
        "reason", "closing auction"))));
    String serial = registerWithSmokeOnly();
    // Move the test clock to the next weekday 15:50 in New York.
    ZoneId ny = ZoneId.of("America/New_York");
    ZonedDateTime t = clock.instant().atZone(ny).withHour(15).withMinute(50).withSecond(0).withNano(0);
    while (!t.toInstant().isAfter(clock.instant()) || t.getDayOfWeek() == DayOfWeek.SATURDAY
        || t.getDayOfWeek() == DayOfWeek.SUNDAY) {
      t = t.plusDays(1);
    }
    clock.advance(Duration.between(clock.instant(), t.toInstant()));
    String end = t.toLocalDate() + " 16:15 America/New_York";
    GantryApiException e = refused(409, "policy-refused", () -> ci.deploy(service, serial, env, false, null));
    assertThat(e.getMessage()).contains("windows (frozen by market-close (45 15 * * MON-FRI for 30m,"
        + " America/New_York) — closing auction; the freeze ends at " + end);
    @SuppressWarnings("unchecked")
    Map<String, Object> w = (Map<String, Object>) ((List<Object>) e.problem().get("failed")).getFirst();
    assertThat(w.get("satisfy")).asString().startsWith("deploy at or after " + end);

    clock.advance(Duration.ofMinutes(25)); // 16:15 New York: the freeze is over
    assertThat(ci.checkRelease(service, serial, env).get("allowed")).isEqualTo(true);
  }

  @Test
  void aRejectionStandsForThatArtifactAndEnvironment() throws IOException {
    String env = "prod-" + service;
    prod(env, Map.of());
    String serial = registerWithSmokeOnly();
    alice.decideRelease(service, serial, env, "reject", "PRC-101 not signed off by the desk");
    refused(409, "release-rejected", () -> bob.decideRelease(service, serial, env, "approve", null));
    assertThat(failedRules(ci.checkRelease(service, serial, env))).contains("notRejected");
    assertThat(ci.approvals(service, serial)).singleElement().satisfies(a ->
        assertThat(map(a)).containsEntry("decision", "reject").containsEntry("environment", env));
    // Break glass does not pass a rejection, nor lead anywhere an artifact has never been.
    GantryApiException bg = refused(409, "break-glass-refused", () -> olga.deploy(service, serial, env, true,
        "desk is down"));
    assertThat(bg.getMessage()).contains("does not override a rejection");
  }

  @Test
  void environmentsArePolicyValidatedWholeAndChangedOnlyByHumanOperators() throws IOException {
    String env = "bad-" + service;
    GantryApiException e = refused(400, "invalid-environment", () -> olga.applyEnvironment(env, Map.of("name", env,
        "rules", Map.of("approvals", Map.of("count", 0L)), "windows", List.of(Map.of("name", "w",
            "schedule", "99 * * * *", "duration", "1h", "timeZone", "UTC")))));
    assertThat((List<?>) e.problem().get("problems")).hasSize(2);
    refused(403, "forbidden", () -> ci.applyEnvironment(env, Map.of("name", env)));
    String serial = registerWithSmokeOnly();
    refused(404, "no-such-environment", () -> ci.checkRelease(service, serial, "nowhere-" + service));
    refused(404, "no-such-environment", () -> ci.deploy(service, serial, "nowhere-" + service, false, null));
    refused(409, "no-such-environment", () -> olga.applyEnvironment(env, Map.of("name", env, "requires",
        List.of("nowhere"))));
    olga.applyEnvironment(env, Map.of("name", env));
    assertThat(ci.environments()).anySatisfy(x -> assertThat(map(x).get("name")).isEqualTo(env));
  }
}
