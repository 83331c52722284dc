package dev.gantry.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.PolicyEvaluated;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An auditor's replay re-derives each recorded decision from the state before it, and notices a doctored one. */
class PolicyReplayTest {
  static final Instant NOW = PolicyEvaluatorTest.NOW;

  @Test
  void recordedDecisionsReplayAndDoctoredOnesDoNot() {
    FakeState s = FakeState.standard().tests("smoke", 3, 0);
    s.environment(Map.of("name", "prod", "rules", Map.of("fullSuite", true, "provenance", true,
        "approvals", Map.of("count", 1L)), "windows", List.of(DeployWindowTest.MARKET_CLOSE)));
    List<LedgerEvent> refused = ReleaseCommands.deploy(new ReleaseCommands.DeployRequest("pricing-d0001", "pricing",
        "A-000001", null, "deploy", "prod", "ci", false, null), FakeState.KEY, NOW, o -> {}).decide(s);
    PolicyEvaluated pe = (PolicyEvaluated) refused.getFirst();
    assertThat(pe.provenanceVerified()).isTrue();
    assertThat(PolicyReplay.check(s, pe, "ci", NOW)).isNull();

    // The same entry with one verdict turned around does not replay.
    List<Map<String, Object>> rules = new ArrayList<>(pe.rules());
    rules.set(1, Map.of("rule", "fullSuite", "verdict", "pass", "reason", "trust me", "satisfy", ""));
    PolicyEvaluated doctored = new PolicyEvaluated(pe.service(), pe.serial(), pe.digest(), pe.environment(),
        "pricing-d0001", true, false, rules, pe.at(), true);
    assertThat(PolicyReplay.check(s, doctored, "ci", NOW)).contains("does not replay")
        .contains("recorded [windows=pass, fullSuite=pass");

    // An evaluation instant moved away from the entry's own time (say, out of a freeze) does not replay.
    PolicyEvaluated moved = new PolicyEvaluated(pe.service(), pe.serial(), pe.digest(), pe.environment(), null,
        false, false, pe.rules(), NOW.minus(Duration.ofHours(2)).toString(), true);
    assertThat(PolicyReplay.check(s, moved, "ci", NOW)).contains("but was appended at " + NOW);
    assertThat(PolicyReplay.check(s, pe, "ci", NOW.plusSeconds(2))).isNull(); // a batch commits a moment later

    // Replayed at the recorded instant: later approvals do not change an earlier decision's replay... but the
    // state before the entry does, so an approval slipped in before it would.
    s.approval("alice", "approve", "prod", NOW.minus(Duration.ofMinutes(1)));
    assertThat(PolicyReplay.check(s, pe, "ci", NOW)).contains("approvals=fail").contains("approvals=pass");
  }

  @Test
  void anApprovalByTheAuthorNeverReplaysEvenIfTheLedgerWasRewritten() {
    FakeState s = FakeState.standard();
    s.environment(Map.of("name", "prod"));
    var ok = (LedgerEvent.ApprovalRecorded) ReleaseCommands.decide("alice", "pricing", "A-000001", "prod", "approve",
        null, NOW).decide(s).getFirst();
    assertThat(PolicyReplay.checkApproval(s, ok, "alice")).isNull();
    var forged = new LedgerEvent.ApprovalRecorded("A-000001/prod/dana/1", "pricing", "A-000001", FakeState.DIGEST,
        "prod", "dana", "approve", "");
    assertThat(PolicyReplay.checkApproval(s, forged, "dana")).contains("breaks separation of duties")
        .contains("'dana' is the author of commit");
    assertThat(PolicyReplay.checkApproval(s, ok, "bob")).contains("appended by bob");
  }
}
