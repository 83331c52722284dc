package dev.gantry.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEvent.ApprovalRecorded;
import dev.gantry.core.ledger.LedgerEvent.BreakGlassUsed;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.EnvironmentApplied;
import dev.gantry.core.ledger.LedgerEvent.PolicyEvaluated;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The release events decode back to themselves, and entries written before environments existed still decode. */
class ReleaseEventsTest {

  @Test
  void aDeploymentStartedBeforeEnvironmentsExistedIsInTheDefaultEnvironment() {
    String old = "{\"fromSerial\":null,\"id\":\"pricing-d0001\",\"kind\":\"deploy\",\"serial\":\"A-000001\","
        + "\"service\":\"pricing\"}";
    LedgerEvent e = LedgerEvent.decode("deployment.started", Json.parseObject(old));
    assertThat(e).isEqualTo(new DeploymentStarted("pricing-d0001", "pricing", "A-000001", null, "deploy", "default"));
  }

  @Test
  void releaseEventsRoundTrip() {
    List<LedgerEvent> events = List.of(
        new DeploymentStarted("pricing-d0002", "pricing", "A-000002", "A-000001", "deploy", "prod"),
        new EnvironmentApplied("prod", "{\"name\":\"prod\"}"),
        new ApprovalRecorded("A-000002/prod/alice/1", "pricing", "A-000002", "ab".repeat(32), "prod", "alice",
            "approve", "ok"),
        new PolicyEvaluated("pricing", "A-000002", "ab".repeat(32), "prod", null, false, false,
            List.of(Map.of("rule", "fullSuite", "verdict", "fail", "reason", "only smoke", "satisfy", "run full")),
            "2030-01-02T12:00:00Z", true),
        new BreakGlassUsed("pricing-d0003", "pricing", "A-000001", "prod", "bad quotes", List.of("approvals")));
    for (LedgerEvent e : events) {
      LedgerEvent back = LedgerEvent.decode(e.type(), Json.parseObject(Json.canonical(e.body())));
      assertThat(back).as(e.type()).isEqualTo(e);
    }
  }
}
