package dev.gantry.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEvent.AnalysisMetric;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAnalysisRecorded;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The analysis event's gate fields decode back to themselves, and entries written before them still do. */
class CanaryEventsTest {
  static final List<AnalysisMetric> METRICS = List.of(new AnalysisMetric("error-rate", "pass", "ok", Map.of("z", "1.2")));

  static LedgerEvent roundTrip(LedgerEvent e) {
    return LedgerEvent.decode(e.type(), Json.parseObject(Json.canonical(e.body())));
  }

  @Test
  void theGatesFieldsAreReadBack() {
    DeploymentAnalysisRecorded e = new DeploymentAnalysisRecorded("d1", "pricing", 3, "background", "pass", true,
        "as good as stable", METRICS, 12L, false);
    assertThat(e.body()).containsEntry("stepRequests", 12L).containsEntry("countsForWeight", false);
    assertThat(roundTrip(e)).isEqualTo(e);
    assertThat(e.passCountsForWeight()).as("a pass on too few requests at the weight").isFalse();
  }

  @Test
  void anEntryFromBeforeTheGatesFieldsDecodesAndKeepsItsBytes() {
    String old = "{\"id\":\"d1\",\"kind\":\"background\",\"metrics\":[],\"run\":4,\"service\":\"pricing\","
        + "\"summary\":\"as good as stable\",\"tested\":true,\"verdict\":\"pass\"}";
    DeploymentAnalysisRecorded e = (DeploymentAnalysisRecorded) LedgerEvent.decode("deployment.analysis-recorded",
        Json.parseObject(old));
    assertThat(e.stepRequests()).isNull();
    assertThat(e.countsForWeight()).isNull();
    assertThat(e.passCountsForWeight()).as("absent: a pass counts, as when it was written").isTrue();
    assertThat(Json.canonical(e.body())).as("the same bytes, so the same hash").isEqualTo(old);
  }
}
