package dev.gantry.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionMetricsTest {

  @Test
  void bucketsRunFrom100MicrosTo60SecondsInTenStepsPerDecade() {
    long[] bounds = LatencyBuckets.boundsMicros();

    assertThat(bounds[0]).isEqualTo(100);
    assertThat(bounds).contains(1_000, 1_250, 10_000, 1_000_000);
    assertThat(bounds[bounds.length - 1]).isEqualTo(60_000_000);
    assertThat(LatencyBuckets.counters()).isEqualTo(bounds.length + 1);
    for (int i = 1; i < bounds.length; i++) {
      assertThat(bounds[i]).isGreaterThan(bounds[i - 1]);
    }
  }

  @Test
  void aLatencyFallsIntoTheFirstBucketWhoseBoundIsAtLeastIt() {
    long[] bounds = LatencyBuckets.boundsMicros();

    assertThat(LatencyBuckets.index(0)).isZero();
    assertThat(LatencyBuckets.index(100)).isZero();
    assertThat(LatencyBuckets.index(101)).isEqualTo(1);
    assertThat(bounds[LatencyBuckets.index(999)]).isEqualTo(1_000);
    assertThat(LatencyBuckets.index(60_000_001)).isEqualTo(bounds.length);
  }

  @Test
  void bucketLookupAgreesWithABinarySearchOnRandomLatencies() {
    long seed = Long.getLong("gantry.seed", 20261207L); // -Dgantry.seed=N replays a failure
    java.util.Random random = new java.util.Random(seed);
    long[] bounds = LatencyBuckets.boundsMicros();
    for (int i = 0; i < 100_000; i++) {
      long micros = switch (i % 3) {
        case 0 -> random.nextInt(2_000);
        case 1 -> random.nextLong(100_000_000L);
        default -> bounds[random.nextInt(bounds.length)] + random.nextInt(3) - 1;
      };
      int expected = java.util.Arrays.binarySearch(bounds, micros);
      expected = expected >= 0 ? expected : -expected - 1;
      assertThat(LatencyBuckets.index(micros)).as("seed %d, latency %d µs", seed, micros).isEqualTo(expected);
    }
  }

  @Test
  void countsRequestsErrorsAndQuantiles() {
    VersionMetrics m = new VersionMetrics(10);
    for (int i = 0; i < 98; i++) {
      m.record(200, 900_000); // 0.9 ms
    }
    m.record(503, 40_000_000); // 40 ms
    m.record(404, 40_000_000);

    VersionStats s = m.snapshot();

    assertThat(s.requests()).isEqualTo(100);
    assertThat(s.errors5xx()).as("4xx are the client's, not the version's").isEqualTo(1);
    assertThat(s.quantileMicros(0.5)).isEqualTo(1_000);
    assertThat(s.quantileMicros(0.99)).isEqualTo(40_000);
  }

  @Test
  void snapshotsSubtractToAWindow() {
    VersionMetrics m = new VersionMetrics(10);
    m.record(200, 1_000_000);
    VersionStats before = m.snapshot();
    m.record(500, 2_000_000);
    m.record(200, 2_000_000);

    VersionStats window = m.snapshot().minus(before);

    assertThat(window.requests()).isEqualTo(2);
    assertThat(window.errors5xx()).isEqualTo(1);
    assertThat(window.quantileMicros(1.0)).isEqualTo(2_000);
  }

  @Test
  void clientsAreCountedUpToTheBound() {
    VersionMetrics m = new VersionMetrics(2);
    m.recordClient("alice", false);
    m.recordClient("alice", false);
    m.recordClient("bob", false);
    m.recordClient("carol", false);
    m.recordClient("bob", false);

    assertThat(m.snapshot().clients()).isEqualTo(Map.of("alice", 2L, "bob", 2L));
    assertThat(m.untrackedClientRequests()).isEqualTo(1);
  }

  @Test
  void longClientIdsAreCut() {
    VersionMetrics m = new VersionMetrics(2);
    m.recordClient("x".repeat(1000), false);

    assertThat(m.snapshot().clients()).containsOnlyKeys("x".repeat(VersionMetrics.MAX_CLIENT_ID_LENGTH));
  }

  /** A clock a test moves by hand. */
  static final class MutableClock extends java.time.Clock {
    java.time.Instant now = java.time.Instant.parse("2030-01-01T00:00:00Z");

    @Override
    public java.time.Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  void clientsAreLastSeenAtTheInjectedClocksTimeToTheSecond() {
    MutableClock clock = new MutableClock();
    VersionMetrics m = new VersionMetrics(10, clock);
    m.recordClient("risk-batch", false);
    long first = clock.now.toEpochMilli();
    assertThat(m.snapshot().clientLastSeenMillis()).isEqualTo(Map.of("risk-batch", first));

    clock.now = clock.now.plusMillis(999);
    m.recordClient("risk-batch", false);
    assertThat(m.snapshot().clientLastSeenMillis()).as("one write per client and second").containsEntry("risk-batch", first);

    clock.now = clock.now.plus(java.time.Duration.ofDays(20));
    m.recordClient("risk-batch", false);
    assertThat(m.snapshot().clientLastSeenMillis()).containsEntry("risk-batch", clock.now.toEpochMilli());
  }

  @Test
  void explicitClientsAreLastSeenApartToTheSecondAndDefaultAddressTrafficIsNot() {
    MutableClock clock = new MutableClock();
    VersionMetrics m = new VersionMetrics(10, clock);
    m.recordClient("desk", false);
    m.recordClient("risk-batch", true);
    long first = clock.now.toEpochMilli();
    assertThat(m.snapshot().clientLastSeenMillis()).isEqualTo(Map.of("desk", first, "risk-batch", first));
    assertThat(m.snapshot().clientExplicitLastSeenMillis()).isEqualTo(Map.of("risk-batch", first));

    clock.now = clock.now.plusMillis(999);
    m.recordClient("risk-batch", true);
    assertThat(m.snapshot().clientExplicitLastSeenMillis()).as("one write per client and second")
        .containsEntry("risk-batch", first);

    clock.now = clock.now.plus(java.time.Duration.ofDays(1));
    m.recordClient("risk-batch", false); // the same client, now through the default address
    assertThat(m.snapshot().clientLastSeenMillis()).containsEntry("risk-batch", clock.now.toEpochMilli());
    assertThat(m.snapshot().clientExplicitLastSeenMillis()).containsEntry("risk-batch", first);
  }
}
