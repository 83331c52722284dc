package dev.gantry.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gantry.core.account.AccountCommands.Refusal;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.BreakGlassUsed;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.PolicyEvaluated;
import dev.gantry.core.policy.ReleaseCommands.DeployRequest;
import dev.gantry.core.policy.ReleaseCommands.GateOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The deploy command's gate: what it appends when it allows, refuses, or an operator breaks glass. */
class ReleaseGateTest {
  static final Instant NOW = PolicyEvaluatorTest.NOW;
  FakeState s;
  final AtomicReference<GateOutcome> outcome = new AtomicReference<>();

  @BeforeEach
  void prod() {
    s = FakeState.standard();
    s.environment(Map.of("name", "staging"));
    s.environment(Map.of("name", "prod", "requires", List.of("staging"), "rules", Map.of("fullSuite", true,
        "approvals", Map.of("count", 2L, "expiresAfter", "24h"))));
  }

  List<LedgerEvent> deploy(String env, String actor, boolean breakGlass, String reason) {
    return ReleaseCommands.deploy(new DeployRequest("pricing-d0009", "pricing", "A-000001", "A-000000", "deploy", env,
        actor, breakGlass, reason), FakeState.KEY, NOW, outcome::set).decide(s);
  }

  @Test
  void refusalRecordsTheEvaluationOnlyWithEveryVerdict() {
    s.tests("smoke", 3, 0);
    List<LedgerEvent> events = deploy("prod", "ci", false, null);
    assertThat(events).singleElement().isInstanceOfSatisfying(PolicyEvaluated.class, p -> {
      assertThat(p.allowed()).isFalse();
      assertThat(p.deployment()).isNull();
      assertThat(p.digest()).isEqualTo(FakeState.DIGEST);
      assertThat(p.rules()).extracting(r -> r.get("rule") + "=" + r.get("verdict"))
          .containsExactly("promotion=fail", "fullSuite=fail", "approvals=fail", "notRejected=pass");
    });
    assertThat(outcome.get().started()).isFalse();
  }

  @Test
  void allowedWhenEveryRulePassesAndTheDeploymentCarriesItsEnvironment() {
    s.tests("full", 40, 0).deployed("staging", "COMPLETE")
        .approval("alice", "approve", "prod", NOW.minus(Duration.ofMinutes(5)))
        .approval("bob", "approve", "prod", NOW.minus(Duration.ofMinutes(4)));
    List<LedgerEvent> events = deploy("prod", "ci", false, null);
    assertThat(events).hasSize(2);
    assertThat(((PolicyEvaluated) events.get(0)).allowed()).isTrue();
    assertThat(((PolicyEvaluated) events.get(0)).deployment()).isEqualTo("pricing-d0009");
    assertThat(events.get(1)).isInstanceOfSatisfying(DeploymentStarted.class,
        d -> assertThat(d.environment()).isEqualTo("prod"));
  }

  @Test
  void theUndefinedDefaultEnvironmentHasNoPolicyAndOtherUndefinedOnesAreRefused() {
    assertThat(deploy(null, "ci", false, null)).singleElement().isInstanceOfSatisfying(DeploymentStarted.class,
        d -> assertThat(d.environment()).isEqualTo(Environment.DEFAULT));
    Refusal r = catchThrowableOfType(Refusal.class, () -> deploy("qa", "ci", false, null));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.getMessage()).contains("gantry env apply -f qa.yaml");
  }

  @Test
  void breakGlassRollsBackToAnArtifactDeployedThereBeforePastExpiredApprovals() {
    s.tests("full", 40, 0).deployed("staging", "COMPLETE").deployed("prod", "COMPLETE")
        .approval("alice", "approve", "prod", NOW.minus(Duration.ofDays(3)))
        .approval("bob", "approve", "prod", NOW.minus(Duration.ofDays(3)));
    List<LedgerEvent> events = deploy("prod", "olga", true, "v2 corrupts quotes; back to v1");
    assertThat(events).hasSize(3);
    PolicyEvaluated p = (PolicyEvaluated) events.get(0);
    assertThat(p.allowed()).isTrue();
    assertThat(p.breakGlass()).isTrue();
    assertThat(events.get(2)).isInstanceOfSatisfying(BreakGlassUsed.class, b -> {
      assertThat(b.overridden()).containsExactly("approvals");
      assertThat(b.reason()).isEqualTo("v2 corrupts quotes; back to v1");
    });
  }

  @Test
  void breakGlassRefusals() {
    s.tests("full", 40, 0).deployed("staging", "COMPLETE");
    // never deployed in prod: not a rollback
    assertThat(deploy("prod", "olga", true, "hurry")).singleElement().isInstanceOf(PolicyEvaluated.class);
    assertThat(outcome.get().refusal()).contains("A-000001 never did");
    s.deployed("prod", "COMPLETE");
    // a deployer robot is not an operator
    deploy("prod", "ci", true, "hurry");
    assertThat(outcome.get().refusal()).contains("break glass is for a human operator");
    // no reason
    deploy("prod", "olga", true, " ");
    assertThat(outcome.get().refusal()).contains("needs a reason");
    // a rejection is never overridden
    s.approval("alice", "reject", "prod", NOW.minus(Duration.ofHours(1)));
    deploy("prod", "olga", true, "hurry");
    assertThat(outcome.get().refusal()).contains("does not override a rejection").contains("rejected for prod by alice");
    assertThat(outcome.get().started()).isFalse();
  }

  @Test
  void breakGlassLeadsOnlyBackToWhatPassedTheGateAndOnlyWhenThePolicyRefuses() {
    s.tests("full", 40, 0).deployed("staging", "COMPLETE");
    // In prod only by an earlier break glass: never approved there, so no way back by break glass either.
    s.deployed("prod", "COMPLETE", true);
    assertThat(deploy("prod", "olga", true, "hurry")).singleElement().isInstanceOf(PolicyEvaluated.class);
    assertThat(outcome.get().refusal()).contains("not itself by break glass").contains("A-000001 never did");
    // A deployment there that failed to complete does not count either.
    s.deployed("prod", "ROLLED_BACK");
    deploy("prod", "olga", true, "hurry");
    assertThat(outcome.get().refusal()).contains("never did");
    // Once it passed the gate and completed, break glass leads back to it.
    s.deployed("prod", "COMPLETE");
    assertThat(deploy("prod", "olga", true, "hurry")).hasSize(3);
    assertThat(outcome.get().started()).isTrue();
    // With the approvals in place the policy allows it: nothing to break, and nothing flagged.
    s.approval("alice", "approve", "prod", NOW.minus(Duration.ofMinutes(5)))
        .approval("bob", "approve", "prod", NOW.minus(Duration.ofMinutes(4)));
    assertThat(deploy("prod", "olga", true, "hurry")).singleElement().isInstanceOfSatisfying(PolicyEvaluated.class,
        p -> assertThat(p.allowed()).isFalse());
    assertThat(outcome.get().refusal()).contains("break glass is not needed");
  }

  @Test
  void environmentsMustExistBeforeTheyAreRequiredAndPromotionCannotBeCircular() {
    Refusal missing = catchThrowableOfType(Refusal.class, () -> ReleaseCommands.applyEnvironment(Environment.parse(
        Map.of("name", "dr", "requires", List.of("perf")))).decide(s));
    assertThat(missing.getMessage()).contains("environment 'perf' is not defined");
    Refusal cycle = catchThrowableOfType(Refusal.class, () -> ReleaseCommands.applyEnvironment(Environment.parse(
        Map.of("name", "staging", "requires", List.of("prod")))).decide(s));
    assertThat(cycle.code()).isEqualTo("promotion-cycle");
  }
}
