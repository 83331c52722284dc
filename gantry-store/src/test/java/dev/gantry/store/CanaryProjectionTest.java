package dev.gantry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.AnalysisMetric;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAnalysisRecorded;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPhaseChanged;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPromoteRequested;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStepChanged;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the canary's gates read from the projection, built through the ledger and equal to its replay. */
class CanaryProjectionTest {
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  static List<String> engines() {
    return TestDatabases.engines();
  }

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    Instant now = T0;

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  static void append(StoreFixture f, LedgerEvent e) {
    f.store().append("system", state -> List.of(e));
  }

  static DeploymentAnalysisRecorded run(long run, String verdict, String errorRate, String latency) {
    return new DeploymentAnalysisRecorded("d1", "pricing", run, "background", verdict, !errorRate.equals("inconclusive"),
        verdict, List.of(new AnalysisMetric("error-rate", errorRate, "", Map.of()),
            new AnalysisMetric("latency", latency, "", Map.of())));
  }

  static DeployQueries.Canary canary(StoreFixture f) {
    return new DeployQueries(f.db()).deployment("d1").orElseThrow().canary();
  }

  @ParameterizedTest
  @MethodSource("engines")
  void stepChangesKeepTheInconclusiveClockAndAPassCountsOnlyAtItsWeight(String engine) {
    TestClock clock = new TestClock();
    try (StoreFixture f = StoreFixture.open(engine, clock)) {
      append(f, new DeploymentStarted("d1", "pricing", "A-000002", "A-000001", "deploy"));
      append(f, new DeploymentPhaseChanged("d1", "pricing", "CANARY", "canary begins"));
      append(f, new DeploymentStepChanged("d1", "pricing", 0, 0, "canary begins"));
      append(f, new DeploymentStepChanged("d1", "pricing", 1, 10, "weight set to 10%"));
      clock.now = T0.plusSeconds(2);
      append(f, run(1, "inconclusive", "inconclusive", "inconclusive"));
      clock.now = T0.plusSeconds(32);
      append(f, new DeploymentStepChanged("d1", "pricing", 2, 10, "pause ended (30s)"));
      assertThat(Instant.parse(canary(f).inconclusiveSince())).as("a step change does not restart the clock")
          .isEqualTo(T0.plusSeconds(2));
      assertThat(canary(f).passedWeight()).isNotEqualTo(canary(f).weight());

      append(f, run(2, "pass", "pass", "pass"));
      assertThat(canary(f).inconclusiveSince()).isNull();
      assertThat(canary(f).passedWeight()).as("passed at 10%").isEqualTo(10);
      append(f, new DeploymentStepChanged("d1", "pricing", 3, 50, "weight set to 50%"));
      assertThat(canary(f).passedWeight()).as("the pass was at 10%, not at 50%").isNotEqualTo(50);

      clock.now = T0.plusSeconds(40);
      append(f, run(3, "inconclusive", "pass", "inconclusive"));
      clock.now = T0.plusSeconds(400);
      append(f, new DeploymentPromoteRequested("d1", "pricing", false));
      assertThat(Instant.parse(canary(f).inconclusiveSince())).as("an operator's promote restarts the clock")
          .isEqualTo(T0.plusSeconds(400));

      Report r = LedgerAudit.verify(f.db(), f.key());
      assertThat(r.ok()).as("replay equals live: %s", r).isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void eachMetricCountsOnlyTheRunsThatTestedIt(String engine) {
    try (StoreFixture f = StoreFixture.open(engine, new TestClock())) {
      append(f, new DeploymentStarted("d1", "pricing", "A-000002", "A-000001", "deploy"));
      append(f, new DeploymentPhaseChanged("d1", "pricing", "CANARY", "canary begins"));
      append(f, run(1, "inconclusive", "inconclusive", "inconclusive"));
      append(f, run(2, "inconclusive", "pass", "inconclusive")); // latency warming up
      append(f, run(3, "inconclusive", "pass", "inconclusive"));
      append(f, run(4, "fail", "pass", "fail"));
      DeployQueries.Canary c = canary(f);
      assertThat(c.testedRuns()).isEqualTo(3);
      assertThat(c.errorTestedRuns()).isEqualTo(3);
      assertThat(c.latencyTestedRuns()).as("the warm-up's runs do not count for latency").isEqualTo(1);
      assertThat(LedgerAudit.verify(f.db(), f.key()).ok()).isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void leavingTheCanaryPhaseClearsTheGatesState(String engine) {
    try (StoreFixture f = StoreFixture.open(engine, new TestClock())) {
      append(f, new DeploymentStarted("d1", "pricing", "A-000002", "A-000001", "deploy"));
      append(f, new DeploymentPhaseChanged("d1", "pricing", "CANARY", "canary begins"));
      append(f, new DeploymentStepChanged("d1", "pricing", 1, 10, "weight set to 10%"));
      append(f, run(1, "pass", "pass", "pass"));
      append(f, run(2, "inconclusive", "inconclusive", "inconclusive"));
      append(f, new DeploymentPhaseChanged("d1", "pricing", "ROLLING_BACK", "aborted"));
      assertThat(canary(f).passedWeight()).isEqualTo(-1);
      assertThat(canary(f).inconclusiveSince()).isNull();
      assertThat(LedgerAudit.verify(f.db(), f.key()).ok()).isTrue();
    }
  }

  static DeploymentAnalysisRecorded pass(long run, long stepRequests, boolean counts) {
    DeploymentAnalysisRecorded r = run(run, "pass", "pass", "pass");
    return new DeploymentAnalysisRecorded(r.id(), r.service(), r.run(), r.kind(), r.verdict(), r.tested(), r.summary(),
        r.metrics(), stepRequests, counts);
  }

  /**
   * A pass counts toward passed_weight only when its run saw minRequests canary requests since the step began,
   * which the event records (countsForWeight), so a replay of the ledger alone gives the same rows; an entry
   * from before the field (absent) counts, as it did when it was written.
   */
  @ParameterizedTest
  @MethodSource("engines")
  void aPassCountsForTheWeightOnlyWhenItsEventSaysSo(String engine) {
    try (StoreFixture f = StoreFixture.open(engine, new TestClock())) {
      append(f, new DeploymentStarted("d1", "pricing", "A-000002", "A-000001", "deploy"));
      append(f, new DeploymentPhaseChanged("d1", "pricing", "CANARY", "canary begins"));
      append(f, new DeploymentStepChanged("d1", "pricing", 1, 10, "weight set to 10%"));
      append(f, pass(1, 60, true));
      assertThat(canary(f).passedWeight()).isEqualTo(10);
      append(f, new DeploymentStepChanged("d1", "pricing", 2, 50, "weight set to 50%"));
      append(f, pass(2, 12, false));
      assertThat(canary(f).verdict()).isEqualTo("pass");
      assertThat(canary(f).passedWeight()).as("a pass on the old weight's data does not count at 50%").isEqualTo(10);
      assertThat(canary(f).inconclusiveSince()).as("the gate is shut at 50%: the waiting clock runs").isNotNull();
      append(f, run(3, "pass", "pass", "pass")); // an entry from before countsForWeight
      assertThat(canary(f).passedWeight()).as("absent: counts, as before").isEqualTo(50);
      assertThat(canary(f).inconclusiveSince()).as("a pass that counts stops the clock").isNull();
      append(f, new DeploymentStepChanged("d1", "pricing", 3, 50, "pause: untilPromoted"));
      append(f, pass(4, 3, false));
      assertThat(canary(f).inconclusiveSince()).as("the gate at 50% is open already: no waiting").isNull();
      Report r = LedgerAudit.verify(f.db(), f.key());
      assertThat(r.ok()).as("replay equals live: %s", r).isTrue();
    }
  }
}
