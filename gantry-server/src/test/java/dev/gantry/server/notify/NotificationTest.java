package dev.gantry.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.AnalysisMetric;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAnalysisRecorded;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPhaseChanged;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStepChanged;
import dev.gantry.core.ledger.LedgerEvent.InstanceStarted;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which ledger entries become which notifications. */
class NotificationTest {
  final Map<String, String> last = new HashMap<>();
  long seq;

  Optional<Notification> of(LedgerEvent e) {
    return Notification.of(LedgerEntry.create(++seq, Instant.parse("2026-12-01T10:00:00Z"), "system", e,
        LedgerEntry.GENESIS_PREV), last);
  }

  static DeploymentAnalysisRecorded analysis(String kind, String verdict) {
    return analysis("pricing-d0002", kind, verdict);
  }

  static DeploymentAnalysisRecorded analysis(String deployment, String kind, String verdict) {
    return new DeploymentAnalysisRecorded(deployment, "pricing", 1, kind, verdict, true, "5xx 20%",
        List.of(new AnalysisMetric("error-rate", verdict, "x", Map.of("z", "9"))));
  }

  @Test
  void deploymentEventsMapToTheirKinds() {
    assertThat(of(new DeploymentStarted("pricing-d0002", "pricing", "A-000002", "A-000001", "deploy")).orElseThrow()
        .kind()).isEqualTo(Notification.Kind.START);
    assertThat(of(new DeploymentStepChanged("pricing-d0002", "pricing", 1, 10, "weight set to 10%")).orElseThrow()
        .text()).contains("1 steps done, weight 10%: weight set to 10%");
    assertThat(of(new DeploymentPhaseChanged("pricing-d0002", "pricing", "ROLLING_BACK", "canary analysis failed"))
        .orElseThrow().kind()).isEqualTo(Notification.Kind.ROLLBACK);
    assertThat(of(new DeploymentPhaseChanged("pricing-d0002", "pricing", "COMPLETE", "done")).orElseThrow().kind())
        .isEqualTo(Notification.Kind.COMPLETE);
    assertThat(of(new DeploymentPhaseChanged("pricing-d0002", "pricing", "VERIFYING", "started"))).isEmpty();
    assertThat(of(new InstanceStarted("i", "pricing", "A-1", 1, 2))).isEmpty();
    Notification glass = of(new LedgerEvent.BreakGlassUsed("pricing-d0007", "pricing", "A-000003", "prod",
        "trading halted by a bad price feed", List.of("approvals"))).orElseThrow();
    assertThat(glass.kind().word()).isEqualTo("break-glass");
    assertThat(glass.text()).contains("BREAK GLASS").contains("[approvals]").contains("bad price feed");
  }

  @Test
  void aRunOfFailingVerdictsNotifiesOnceAndBackgroundPassesAreNotNews() {
    assertThat(of(analysis("background", "pass"))).isEmpty();
    assertThat(of(analysis("background", "fail")).orElseThrow().kind()).isEqualTo(Notification.Kind.FAIL);
    assertThat(of(analysis("background", "fail"))).as("still failing while halted").isEmpty();
    assertThat(of(analysis("background", "inconclusive"))).isEmpty();
    assertThat(of(analysis("background", "fail"))).as("a new run of failures").isPresent();
    assertThat(of(analysis("step", "pass")).orElseThrow().kind()).isEqualTo(Notification.Kind.PASS);
  }

  @Test
  void aRollbackNotifiesOnceWhenItBeginsNotAgainWhenItEnds() {
    Notification rolling = of(new DeploymentPhaseChanged("pricing-d0002", "pricing", "ROLLING_BACK",
        "canary analysis failed: 5xx 20%")).orElseThrow();
    assertThat(rolling.kind()).isEqualTo(Notification.Kind.ROLLBACK);
    assertThat(rolling.text()).isEqualTo(":rewind: Deployment pricing-d0002 of *pricing* is rolling back: canary"
        + " analysis failed: 5xx 20%");
    assertThat(of(new DeploymentPhaseChanged("pricing-d0002", "pricing", "ROLLED_BACK",
        "new instances stopped, traffic on the previous version"))).as("the end of the same rollback").isEmpty();
  }

  @Test
  void theLastVerdictOfADeploymentIsForgottenWhenItEnds() {
    for (int i = 1; i <= 1000; i++) {
      String id = "pricing-d" + i;
      assertThat(of(analysis(id, "background", "fail"))).isPresent();
      assertThat(last).containsKey(id);
      of(new DeploymentPhaseChanged(id, "pricing", "ROLLING_BACK", "canary analysis failed"));
      assertThat(last).as("still rolling back").containsKey(id);
      of(new DeploymentPhaseChanged(id, "pricing", i % 2 == 0 ? "ROLLED_BACK" : "COMPLETE", "done"));
    }
    assertThat(last).as("one entry per deployment in progress, none per finished one").isEmpty();
  }

  @Test
  void theBodyCarriesTheLedgerSequenceNumber() {
    Notification n = of(new DeploymentPhaseChanged("pricing-d0002", "pricing", "ROLLING_BACK", "aborted"))
        .orElseThrow();
    Map<String, Object> body = n.slackBody();
    assertThat(body).containsEntry("text", n.text());
    assertThat(body.get("blocks")).isEqualTo(List.of(Map.of("type", "section", "text",
        Map.of("type", "mrkdwn", "text", n.text()))));
    @SuppressWarnings("unchecked")
    Map<String, Object> gantry = (Map<String, Object>) body.get("gantry");
    assertThat(gantry).containsEntry("seq", seq).containsEntry("kind", "rollback")
        .containsEntry("deployment", "pricing-d0002").containsEntry("event", "deployment.phase-changed");
  }
}
