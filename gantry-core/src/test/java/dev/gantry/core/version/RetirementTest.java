package dev.gantry.core.version;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.version.Retirement.Decision;
import dev.gantry.core.version.Retirement.Lease;
import dev.gantry.core.version.Retirement.Verdict;
import dev.gantry.core.version.Retirement.Version;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Retirement with an injected clock: days pass in a line of code, nobody sleeps. */
class RetirementTest {
  static final Duration RETIRE_AFTER = Duration.ofDays(14);
  static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");

  static Version version(String label, Instant deprecatedAt, Instant lastSeen, List<Lease> leases, boolean isDefault,
      boolean pinned) {
    return new Version(label, "A-00000" + label.substring(1), T0, deprecatedAt, lastSeen, "batch-job", leases, isDefault,
        pinned);
  }

  static Decision decide(Version v, Instant now) {
    return Retirement.plan(List.of(v), RETIRE_AFTER, now).getFirst();
  }

  @Test
  void aQuietClientWithALiveLeaseKeepsItsVersion() {
    Clock clock = Clock.fixed(T0.plus(Duration.ofDays(40)), ZoneOffset.UTC);
    Lease monthly = new Lease("L-1", "month-end-valuation", clock.instant().plus(Duration.ofDays(20)), false);
    Decision d = decide(version("v2", T0, T0, List.of(monthly), false, false), clock.instant());
    assertThat(d.verdict()).isEqualTo(Verdict.KEEP);
    assertThat(d.reason()).startsWith("leased by month-end-valuation until");
  }

  @Test
  void aVersionWhoseLastClientLeftAndWhoseLeaseExpiredRetiresAfterRetireAfter() {
    Instant lastSeen = T0.plus(Duration.ofDays(3));
    Lease expired = new Lease("L-1", "risk-report", T0.plus(Duration.ofDays(10)), false);
    Version v = version("v2", T0.plus(Duration.ofDays(1)), lastSeen, List.of(expired), false, false);
    // The lease ran until day 10, the client was last seen on day 3: quiet since day 3, retires on day 17.
    assertThat(decide(v, T0.plus(Duration.ofDays(9))).reason()).startsWith("leased by risk-report");
    Decision scheduled = decide(v, T0.plus(Duration.ofDays(16)));
    assertThat(scheduled.verdict()).isEqualTo(Verdict.KEEP);
    assertThat(scheduled.sunsetAt()).isEqualTo(lastSeen.plus(RETIRE_AFTER));
    Decision gone = decide(v, lastSeen.plus(RETIRE_AFTER));
    assertThat(gone.verdict()).isEqualTo(Verdict.RETIRE);
    assertThat(gone.reason()).contains("last client batch-job at " + lastSeen).contains("L-1 (risk-report, expired")
        .contains("retireAfter 14d");
  }

  @Test
  void theDefaultAndPinnedVersionsAreNeverRetired() {
    Instant never = T0.plus(Duration.ofDays(10_000));
    assertThat(decide(version("v3", null, null, List.of(), true, false), never).verdict()).isEqualTo(Verdict.KEEP);
    assertThat(decide(version("v1", T0, null, List.of(), false, true), never).reason()).isEqualTo("pinned");
  }

  @Test
  void aReleasedLeaseNoLongerKeepsTheVersion() {
    Lease released = new Lease("L-2", "desk", T0.plus(Duration.ofDays(365)), true);
    Decision d = decide(version("v2", T0, null, List.of(released), false, false), T0.plus(RETIRE_AFTER));
    assertThat(d.verdict()).isEqualTo(Verdict.RETIRE);
    assertThat(d.reason()).contains("no client ever seen").contains("L-2 (desk, released)");
  }

  /** Seeded: whatever the history, default and pinned stay, and nothing with a live lease or a recent client goes. */
  @Test
  void randomHistoriesNeverRetireWhatIsInUse() {
    long seed = Long.getLong("gantry.seed", System.nanoTime());
    Random rnd = new Random(seed);
    for (int i = 0; i < 10_000; i++) {
      Instant now = T0.plus(Duration.ofHours(rnd.nextInt(24 * 60)));
      Instant lastSeen = rnd.nextBoolean() ? null : T0.plus(Duration.ofHours(rnd.nextInt(24 * 60)));
      if (lastSeen != null && lastSeen.isAfter(now)) {
        lastSeen = now;
      }
      List<Lease> leases = rnd.nextBoolean() ? List.of()
          : List.of(new Lease("L", "c", T0.plus(Duration.ofHours(rnd.nextInt(24 * 90))), rnd.nextBoolean()));
      boolean isDefault = rnd.nextInt(5) == 0;
      boolean pinned = rnd.nextInt(5) == 0;
      Version v = version("v" + (1 + rnd.nextInt(9)), rnd.nextBoolean() ? null : T0, lastSeen, leases, isDefault, pinned);
      Decision d = decide(v, now);
      String why = "seed " + seed + ", case " + i + ": " + v + " at " + now + " → " + d;
      if (d.verdict() == Verdict.RETIRE) {
        assertThat(isDefault || pinned).as(why).isFalse();
        assertThat(leases.stream().anyMatch(l -> l.liveAt(now))).as(why).isFalse();
        assertThat(lastSeen == null || !lastSeen.plus(RETIRE_AFTER).isAfter(now)).as(why).isTrue();
      }
    }
  }
}
