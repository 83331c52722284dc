package dev.gantry.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Table-driven: each built-in rule, on its own, passing and refusing, with the reason and what would satisfy it. */
class PolicyEvaluatorTest {
  /** A Wednesday; 07:00 in New York (EST). */
  static final Instant NOW = Instant.parse("2030-01-02T12:00:00Z");

  record Row(String name, Map<String, Object> rules, List<Object> requires, Consumer<FakeState> setup, String rule,
      boolean passes, String reason, String satisfy) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Row row(String name, Map<String, Object> rules, Consumer<FakeState> setup, String rule, boolean passes,
      String reason, String satisfy) {
    return new Row(name, rules, List.of(), setup, rule, passes, reason, satisfy);
  }

  static final Consumer<FakeState> NOTHING = s -> {};

  static Stream<Row> rows() {
    Map<String, Object> full = Map.of("fullSuite", true);
    Map<String, Object> two = Map.of("approvals", Map.of("count", 2L, "expiresAfter", "24h"));
    Instant hourAgo = NOW.minus(Duration.ofHours(1));
    return Stream.of(
        row("full suite: only smoke evidence is not enough", full, s -> s.tests("smoke", 3, 0), "fullSuite", false,
            "no full suite evidence for A-000001 (sha256:" + FakeState.DIGEST + "); only smoke (not enough)",
            "gantry artifact tests A-000001 --tests target/failsafe-reports --suite full"),
        row("full suite: no evidence at all", full, NOTHING, "fullSuite", false, "no full suite evidence", "--suite full"),
        row("full suite: latest full run failed", full, s -> s.tests("full", 40, 2), "fullSuite", false,
            "full run 1: 2 failed, 0 errors of 40", "record passing full suite evidence"),
        row("full suite: a later passing run counts", full, s -> s.tests("full", 40, 2).tests("full", 40, 0),
            "fullSuite", true, "full run 2 passed: 40 tests", ""),
        row("full suite: fewer tests than minTests", Map.of("fullSuite", Map.of("minTests", 50L)),
            s -> s.tests("full", 40, 0), "fullSuite", false, "has 40 tests (expected at least 50)", ""),
        row("no failed tests: a failing smoke run refuses", Map.of("noFailedTests", true),
            s -> s.tests("smoke", 3, 1).tests("full", 40, 0), "noFailedTests", false,
            "failed tests in smoke run 1 (1 failed, 0 errors)", "record a passing run"),
        row("no failed tests: latest runs only by default", Map.of("noFailedTests", true),
            s -> s.tests("full", 40, 1).tests("full", 40, 0), "noFailedTests", true, "latest run of full without failures", ""),
        row("no failed tests: allRuns never forgets a failure", Map.of("noFailedTests", Map.of("allRuns", true)),
            s -> s.tests("full", 40, 1).tests("full", 40, 0), "noFailedTests", false, "full run 1", "a new artifact"),
        row("no failed tests: no evidence", Map.of("noFailedTests", true), NOTHING, "noFailedTests", false,
            "no test evidence", "record test evidence"),
        row("requirements: every commit linked", Map.of("requirementsLinked", true), NOTHING, "requirementsLinked", true,
            "1 commits, each linked: PRC-101", ""),
        row("requirements: an unlinked commit", Map.of("requirementsLinked", true),
            s -> s.commits.add(new dev.gantry.core.ledger.LedgerStore.CommitRecord("deadbeef0000ffff", "x <x@y>", "t",
                "tidy up", List.of())), "requirementsLinked", false, "1 of 2 commits name no requirement: deadbeef0000",
            "gantry commits check"),
        row("requirements: no commits recorded", Map.of("requirementsLinked", true), s -> s.commits.clear(),
            "requirementsLinked", false, "no commits recorded", "register the artifact from its git repository"),
        row("provenance: signed and naming the digest", Map.of("provenance", true), NOTHING, "provenance", true,
            "signed provenance verifies and names sha256:" + FakeState.DIGEST, ""),
        row("provenance: missing", Map.of("provenance", true), s -> s.artifact("A-000001", true, false), "provenance",
            false, "no provenance recorded for A-000001", "register the artifact again"),
        row("provenance: signed by another key", Map.of("provenance", true), s -> {
          var a = s.artifacts.get("A-000001");
          String other = dev.gantry.core.provenance.Dsse.sign(dev.gantry.core.provenance.Dsse.IN_TOTO,
              "{}".getBytes(), dev.gantry.core.provenance.EcKey.generate());
          s.artifacts.put("A-000001", new dev.gantry.core.ledger.LedgerStore.ArtifactRecord(a.serial(), a.number(),
              a.service(), a.digest(), a.stampedDigest(), a.filename(), a.size(), a.format(), a.repo(), a.commit(),
              a.branch(), a.dirty(), a.sbomDigest(), a.tools(), other, a.registeredBy(), a.registeredAt()));
        }, "provenance", false, "no signature verifies with the given key", ""),
        row("sbom: present", Map.of("sbom", true), NOTHING, "sbom", true, "with 1 components", ""),
        row("sbom: present with no components passes unless minComponents says more", Map.of("sbom", true),
            s -> s.components.clear(), "sbom", true, "with 0 components", ""),
        row("sbom: absent", Map.of("sbom", true), s -> s.artifact("A-000001", false, true), "sbom", false,
            "no SBOM recorded", "--sbom"),
        row("sbom: too few components", Map.of("sbom", Map.of("minComponents", 5L)), NOTHING, "sbom", false,
            "lists 1 components (expected at least 5)", ""),
        row("approvals: none", two, NOTHING, "approvals", false, "0 of 2 approvals for prod (none)",
            "2 more approvals by distinct humans"),
        row("approvals: one is not two", two, s -> s.approval("alice", "approve", "prod", hourAgo), "approvals", false,
            "1 of 2 approvals for prod (alice)", "1 more approval "),
        row("approvals: two distinct humans", two,
            s -> s.approval("alice", "approve", "prod", hourAgo).approval("bob", "approve", "prod", hourAgo),
            "approvals", true, "2 of 2 approvals for prod: alice, bob", ""),
        row("approvals: the same person twice counts once", two,
            s -> s.approval("alice", "approve", "prod", hourAgo).approval("alice", "approve", "prod", hourAgo),
            "approvals", false, "1 of 2 approvals", ""),
        row("approvals: expired ones do not count", two, s -> s.approval("alice", "approve", "prod",
            NOW.minus(Duration.ofHours(25))).approval("bob", "approve", "prod", hourAgo), "approvals", false,
            "not counted: alice: expired at 2030-01-02T11:00:00Z", ""),
        row("approvals: for another environment do not count", two, s -> s.approval("alice", "approve", "staging",
            hourAgo).approval("bob", "approve", "prod", hourAgo), "approvals", false, "1 of 2", ""),
        row("approvals: an approver who has since lost the role does not count", two, s -> {
          s.approval("alice", "approve", "prod", hourAgo).approval("bob", "approve", "prod", hourAgo);
          s.account("bob", "human", "viewer");
        }, "approvals", false, "bob: 'bob' does not hold the approver role", ""),
        row("approvals: an author's approval (recorded before the commit was known) does not count", two,
            s -> s.approval("alice", "approve", "prod", hourAgo).approval("dana", "approve", "prod", hourAgo),
            "approvals", false, "'dana' is the author of commit", ""),
        row("approvals: authors unknown (no commits) are said, and only the registrant is excluded", two,
            s -> s.approval("alice", "approve", "prod", hourAgo).approval("dana", "approve", "prod", hourAgo)
                .commits.clear(), "approvals", true, "authors unknown (no commits recorded)", ""),
        row("approvals: knownAuthors refuses a build registered without its commits",
            Map.of("approvals", Map.of("count", 2L, "knownAuthors", true)),
            s -> s.approval("alice", "approve", "prod", hourAgo).approval("bob", "approve", "prod", hourAgo)
                .commits.clear(), "approvals", false, "the authors of A-000001 are unknown", "--git DIR"),
        row("rejection: stands", Map.of(), s -> s.approval("alice", "reject", "prod", hourAgo), "notRejected", false,
            "A-000001 was rejected for prod by alice", "a new artifact"),
        row("rejection: none", Map.of(), NOTHING, "notRejected", true, "no rejection of A-000001 for prod", ""),
        new Row("promotion: nothing in staging", Map.of(), List.of("staging"), NOTHING, "promotion", false,
            "A-000001 has no COMPLETE deployment in staging",
            "gantry deploy pricing --serial A-000001 --env staging"),
        new Row("promotion: a rolled-back staging deployment does not count", Map.of(), List.of("staging"),
            s -> s.deployed("staging", "ROLLED_BACK"), "promotion", false, "no COMPLETE deployment in staging", ""),
        new Row("promotion: complete in staging", Map.of(), List.of("staging"), s -> s.deployed("staging", "COMPLETE"),
            "promotion", true, "A-000001 completed in staging (pricing-d1)", ""),
        new Row("promotion: every required environment", Map.of(), List.of("staging", "perf"),
            s -> s.deployed("staging", "COMPLETE"), "promotion", false, "no COMPLETE deployment in perf", "--env perf"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void rule(Row row) {
    FakeState s = FakeState.standard();
    for (Object r : row.requires()) {
      s.environment(Map.of("name", r));
    }
    Map<String, Object> def = new LinkedHashMap<>();
    def.put("name", "prod");
    def.put("requires", row.requires());
    def.put("rules", row.rules());
    s.environment(def);
    row.setup().accept(s);
    PolicyDecision d = PolicyEvaluator.evaluate(ReleaseCommands.definition(s.environments.get("prod")),
        s.context("prod", NOW));
    RuleVerdict v = d.verdicts().stream().filter(x -> x.rule().equals(row.rule())).findFirst().orElseThrow(
        () -> new AssertionError("no verdict for " + row.rule() + " in " + d.verdicts()));
    assertThat(v.passed()).as("%s: %s", row.name(), v).isEqualTo(row.passes());
    assertThat(v.reason()).contains(row.reason());
    assertThat(v.satisfy()).contains(row.satisfy());
    if (row.passes()) {
      assertThat(v.satisfy()).isEmpty();
    } else {
      assertThat(v.satisfy()).as("a failed rule says what would satisfy it").isNotBlank();
      assertThat(d.allowed()).isFalse();
    }
  }

  @Test
  void onlyTheListedRulesAreEvaluatedAndAllPassingAllows() {
    FakeState s = FakeState.standard().tests("full", 40, 0).environment(Map.of("name", "prod", "rules",
        Map.of("fullSuite", true, "sbom", true, "provenance", true)));
    PolicyDecision d = PolicyEvaluator.evaluate(ReleaseCommands.definition(s.environments.get("prod")),
        s.context("prod", NOW));
    assertThat(d.verdicts()).extracting(RuleVerdict::rule)
        .containsExactly("fullSuite", "provenance", "sbom", "notRejected");
    assertThat(d.allowed()).isTrue();
  }

  @Test
  void customCelRulesSeeTheDocumentedContext() {
    FakeState s = FakeState.standard().tests("full", 40, 0).approval("alice", "approve", "prod", NOW);
    s.environment(Map.of("name", "prod", "custom", List.of(
        Map.of("name", "main-only", "expression", "artifact.branch == 'main' && !artifact.dirty"),
        Map.of("name", "full-green", "expression", "has(tests.full) && tests.full.passed && tests.full.tests >= 40"),
        Map.of("name", "linked", "expression", "commits.all(c, size(c.requirements) > 0)"),
        Map.of("name", "alice-approved", "expression", "approvals.exists(a, a.account == 'alice' && a.valid)"),
        Map.of("name", "no-snapshots", "expression", "artifact.components.all(c, !c.version.endsWith('-SNAPSHOT'))"),
        Map.of("name", "weekday", "expression", "time.weekday in ['MON','TUE','WED','THU','FRI'] && time.hour >= 9",
            "message", "deploy on a weekday after 09:00 UTC"),
        Map.of("name", "in-prod", "expression", "environment.name == 'prod' && artifact.provenance.verified"),
        Map.of("name", "missing-key", "expression", "tests.perf.passed", "message", "record perf evidence"))));
    PolicyDecision d = PolicyEvaluator.evaluate(ReleaseCommands.definition(s.environments.get("prod")),
        s.context("prod", NOW));
    Map<String, RuleVerdict> byRule = new LinkedHashMap<>();
    d.verdicts().forEach(v -> byRule.put(v.rule(), v));
    assertThat(byRule.get("cel:main-only").passed()).isTrue();
    assertThat(byRule.get("cel:full-green").passed()).isTrue();
    assertThat(byRule.get("cel:linked").passed()).isTrue();
    assertThat(byRule.get("cel:alice-approved").passed()).isTrue();
    assertThat(byRule.get("cel:no-snapshots").passed()).isTrue();
    assertThat(byRule.get("cel:in-prod").passed()).isTrue();
    assertThat(byRule.get("cel:weekday")).satisfies(v -> {
      assertThat(v.passed()).isTrue();
    });
    RuleVerdict missing = byRule.get("cel:missing-key");
    assertThat(missing.passed()).isFalse();
    assertThat(missing.reason()).contains("could not be evaluated");
    assertThat(missing.satisfy()).isEqualTo("record perf evidence");

    PolicyDecision early = PolicyEvaluator.evaluate(ReleaseCommands.definition(s.environments.get("prod")),
        s.context("prod", Instant.parse("2030-01-02T08:00:00Z")));
    RuleVerdict weekday = early.verdicts().stream().filter(v -> v.rule().equals("cel:weekday")).findFirst().orElseThrow();
    assertThat(weekday.passed()).isFalse();
    assertThat(weekday.satisfy()).isEqualTo("deploy on a weekday after 09:00 UTC");
  }
}
