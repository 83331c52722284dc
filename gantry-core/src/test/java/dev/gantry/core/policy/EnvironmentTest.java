package dev.gantry.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gantry.core.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvironmentTest {

  @Test
  void everyProblemIsReportedAtOnceEachNamingItsField() {
    PolicyException e = catchThrowableOfType(PolicyException.class, () -> Environment.parse(Map.of(
        "name", "prod", "requires", List.of("prod"), "colour", "red",
        "rules", Map.of("approvals", Map.of("count", 0L, "expiresAfter", "soon"), "fullSuite", Map.of("suite", "unit"),
            "quorum", true),
        "windows", List.of(Map.of("name", "w", "schedule", "61 * * * *", "timeZone", "Mars/Olympus")),
        "custom", List.of(Map.of("name", "x", "expression", "artifact.serial ==")))));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("colour: unknown key"))
        .anySatisfy(p -> assertThat(p).isEqualTo("requires: 'prod' is this environment"))
        .anySatisfy(p -> assertThat(p).startsWith("rules.quorum: unknown key"))
        .anySatisfy(p -> assertThat(p).startsWith("rules.approvals.count: '0' (expected an integer 1..10)"))
        .anySatisfy(p -> assertThat(p).startsWith("rules.approvals.expiresAfter: 'soon'"))
        .anySatisfy(p -> assertThat(p).startsWith("rules.fullSuite.suite: 'unit'"))
        .anySatisfy(p -> assertThat(p).startsWith("windows[0].schedule: minute '61'"))
        .anySatisfy(p -> assertThat(p).startsWith("windows[0].duration: required"))
        .anySatisfy(p -> assertThat(p).startsWith("windows[0].timeZone: 'Mars/Olympus' is not an IANA time zone"))
        .anySatisfy(p -> assertThat(p).startsWith("custom[0].expression: "));
  }

  @Test
  void customExpressionsMustBeBooleanOverKnownVariables() {
    PolicyException e = catchThrowableOfType(PolicyException.class, () -> Environment.parse(Map.of("name", "prod",
        "custom", List.of(Map.of("name", "a", "expression", "'yes'"),
            Map.of("name", "b", "expression", "release.ok")))));
    assertThat(e.problems()).hasSize(2);
    assertThat(e.problems().get(0)).startsWith("custom[0].expression: ");
    assertThat(e.problems().get(1)).contains("undeclared reference to 'release'");
    // Members of the fixed-shape maps are checked when the environment is applied, not at the first deploy.
    PolicyException typo = catchThrowableOfType(PolicyException.class, () -> Environment.parse(Map.of("name", "prod",
        "custom", List.of(Map.of("name", "a", "expression", "artifact.brnach == 'main'"),
            Map.of("name", "b", "expression", "has(artifact.provenance.signed)"),
            Map.of("name", "c", "expression", "time.weekday != 'SAT' && environment.name == 'prod'"
                + " && commits.all(c, c.requirements.size() > 0) && has(tests.full) && artifact.provenance.verified")))));
    assertThat(typo.problems()).containsExactly(
        "custom[0].expression: no member 'brnach' in artifact (it has: branch, builtDigest, commit, components, digest,"
            + " dirty, filename, provenance, registeredAt, registeredBy, repo, sbom, serial, service, size)",
        "custom[1].expression: no member 'signed' in artifact.provenance (it has: present, verified)");
    // Members of the context are dynamic: a non-bool member is caught when evaluated, and the rule fails.
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> CelRules.evaluate("artifact.size",
        Map.of("artifact", Map.of("size", 10L))))).hasMessageContaining("expected a bool");
  }

  @Test
  void theCheckedMembersAreExactlyTheContextsMembers() {
    FakeState s = FakeState.standard();
    s.environment(Map.of("name", "prod"));
    Map<String, Object> vars = s.context("prod", PolicyEvaluatorTest.NOW)
        .celVariables(Environment.parse(Map.of("name", "prod")));
    for (Map.Entry<String, java.util.Set<String>> m : CelRules.MEMBERS.entrySet()) {
      Object v = vars;
      for (String part : m.getKey().split("\\.")) {
        v = ((Map<?, ?>) v).get(part);
      }
      assertThat(((Map<?, ?>) v).keySet()).as(m.getKey()).isEqualTo(m.getValue());
    }
  }

  @Test
  void aRejectionCannotBeSwitchedOff() {
    PolicyException e = catchThrowableOfType(PolicyException.class, () -> Environment.parse(Map.of("name", "prod",
        "rules", Map.of("notRejected", false))));
    assertThat(e.problems()).singleElement().asString().startsWith("rules.notRejected: false (a rejection always stops");
    assertThat(Environment.parse(Map.of("name", "prod", "rules", Map.of("notRejected", true))).rules().notRejected())
        .isTrue();
    assertThat(Environment.parse(Map.of("name", "prod")).rules().notRejected()).isTrue();
    // A definition stored before these rules is still read as it was applied (the ledger cannot be re-applied).
    Environment old = Environment.parseStored(Map.of("name", "prod", "rules", Map.of("notRejected", false),
        "custom", List.of(Map.of("name", "a", "expression", "artifact.brnach == 'main'"))));
    assertThat(old.rules().notRejected()).isFalse();
    assertThat(old.custom()).hasSize(1);
  }

  @Test
  void canonicalFormRoundTripsWithDefaultsExplicit() {
    Environment a = Environment.parse(Map.of("name", "prod", "requires", List.of("staging"),
        "rules", Map.of("fullSuite", true, "approvals", true, "notRejected", true),
        "windows", List.of(DeployWindowTest.MARKET_CLOSE),
        "custom", List.of(Map.of("name", "main", "expression", "artifact.branch == 'main'"))));
    Map<String, Object> json = a.toJson();
    assertThat(Json.canonical(json)).contains("\"approvals\":{\"count\":2,\"expiresAfter\":\"24h\"}")
        .contains("\"fullSuite\":{\"minTests\":1,\"suite\":\"full\"}");
    Environment b = Environment.parse(Json.parseObject(Json.canonical(json)));
    assertThat(Json.canonical(b.toJson())).isEqualTo(Json.canonical(json));
  }
}
