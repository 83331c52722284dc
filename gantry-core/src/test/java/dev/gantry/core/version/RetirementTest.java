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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Retirement with an injected clock: days pass in a line of code, nobody sleeps. */
class RetirementTest {
  static final Duration RETIRE_AFTER = Duration.ofDays(14);
  static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");

  /** A version whose last client (batch-job, at lastSeen) addressed it by version. */
  static Version version(String label, Instant deprecatedAt, Instant lastSeen, List<Lease> leases, boolean isDefault,
      boolean pinned) {
    return version(label, deprecatedAt, lastSeen, lastSeen, leases, isDefault, pinned);
  }

  /**
   * A version with its last client by any address (desk-a, at lastSeen) and its last client by version (batch-job,
   * at byVersion); when byVersion is the later or the same, batch-job is the last client by any address too.
   */
  static Version version(String label, Instant deprecatedAt, Instant lastSeen, Instant byVersion, List<Lease> leases,
      boolean isDefault, boolean pinned) {
    boolean sameClient = byVersion != null && (lastSeen == null || !lastSeen.isAfter(byVersion));
    Instant any = sameClient ? byVersion : lastSeen;
    return new Version(label, "A-00000" + label.substring(1), T0, deprecatedAt, any,
        any == null ? null : sameClient ? "batch-job" : "desk-a", byVersion, byVersion == null ? null : "batch-job",
        leases, isDefault, pinned);
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

  /**
   * Pinning an older version (or rolling back to one) makes the newest one not the default, though nothing
   * replaced it: the users of the default address used it until then, and it is not retired under them at once.
   */
  @Test
  void aVersionThatIsNotTheDefaultOnlyBecauseOfAPinKeepsItsDefaultAddressClients() {
    Instant lastSeen = T0.plus(Duration.ofDays(30)); // desk-a through the default address, just before the pin
    Version v2 = version("v2", null, lastSeen, null, List.of(), false, false);
    Decision d = decide(v2, lastSeen.plus(Duration.ofMinutes(1)));
    assertThat(d.verdict()).isEqualTo(Verdict.KEEP);
    assertThat(d.sunsetAt()).isEqualTo(lastSeen.plus(RETIRE_AFTER));
    assertThat(decide(v2, lastSeen.plus(RETIRE_AFTER)).verdict()).isEqualTo(Verdict.RETIRE);
    // Replaced by a later version on day 29 (deprecatedAt), the same clients would not keep it past day 43.
    Instant day43 = T0.plus(Duration.ofDays(29)).plus(RETIRE_AFTER);
    Version replaced = version("v2", T0.plus(Duration.ofDays(29)), lastSeen, null, List.of(), false, false);
    assertThat(decide(replaced, day43).verdict()).isEqualTo(Verdict.RETIRE);
    assertThat(decide(v2, day43).verdict()).isEqualTo(Verdict.KEEP);
  }

  @Test
  void aReleasedLeaseNoLongerKeepsTheVersion() {
    Lease released = new Lease("L-2", "desk", T0.plus(Duration.ofDays(365)), true);
    Decision d = decide(version("v2", T0, null, List.of(released), false, false), T0.plus(RETIRE_AFTER));
    assertThat(d.verdict()).isEqualTo(Verdict.RETIRE);
    assertThat(d.reason()).contains("no client ever seen").contains("L-2 (desk, released)");
  }

  /**
   * Which versions a normal deploy may replace at once ({@link Retirement#inUse}) and what the rule decides
   * later, 30 days after T0 (when every version was added). Hours ago; "-" for never / none. Clients of the
   * default address (desk-a) never keep a version that is not the default; clients by version (batch-job) do,
   * for retireAfter.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
      # case                                                  | default | pinned | lease | byVersion | defaultAddress | deprecated | inUse | verdict
      previous default, its default-address client 1h ago     | false   | false  | -     | -         | 1              | 0          | false | KEEP
      previous default, called by version 1h ago              | false   | false  | -     | 1         | 1              | 0          | true  | KEEP
      by version 13d ago, default address 1h ago              | false   | false  | -     | 312       | 1              | 480        | true  | KEEP
      by version exactly 14d ago, default address 1h ago      | false   | false  | -     | 336       | 1              | 480        | false | RETIRE
      by version 15d ago, nobody since                        | false   | false  | -     | 360       | -              | 480        | false | RETIRE
      only default-address clients, 1d ago, deprecated 15d    | false   | false  | -     | -         | 24             | 360        | false | RETIRE
      only default-address clients, deprecated 13d ago        | false   | false  | -     | -         | 24             | 312        | false | KEEP
      no client ever, deprecated 20d                          | false   | false  | -     | -         | -              | 480        | false | RETIRE
      default-address client 1h ago, a live lease             | false   | false  | live  | -         | 1              | 480        | true  | KEEP
      default-address client 1h ago, a released lease         | false   | false  | gone  | -         | 1              | 480        | false | RETIRE
      pinned, default-address client 1h ago                   | false   | true   | -     | -         | 1              | 480        | true  | KEEP
      the default, its default-address client 1h ago          | true    | false  | -     | -         | 1              | -          | false | KEEP
      the default, nobody for 30d                             | true    | false  | -     | -         | -              | -          | false | KEEP
      """)
  void onlyClientsByVersionKeepAVersionThatIsNotTheDefault(String name, boolean isDefault, boolean pinned,
      String lease, Long byVersionHoursAgo, Long defaultAddressHoursAgo, Long deprecatedHoursAgo, boolean inUse,
      Verdict verdict) {
    Instant now = T0.plus(Duration.ofDays(30));
    List<Lease> leases = lease == null ? List.of()
        : List.of(new Lease("L-1", "month-end", now.plus(Duration.ofDays(3)), lease.equals("gone")));
    Version v = version("v2", ago(now, deprecatedHoursAgo), ago(now, defaultAddressHoursAgo),
        ago(now, byVersionHoursAgo), leases, isDefault, pinned);
    assertThat(Retirement.inUse(v, RETIRE_AFTER, now)).as(name + ": in use").isEqualTo(inUse);
    Decision d = decide(v, now);
    assertThat(d.verdict()).as(name + ": " + d.reason()).isEqualTo(verdict);
    if (verdict == Verdict.RETIRE && defaultAddressHoursAgo != null
        && (byVersionHoursAgo == null || defaultAddressHoursAgo < byVersionHoursAgo)) {
      assertThat(d.reason()).contains("last client of the default address desk-a at " + v.lastClientSeen()
          + ", which does not keep it");
    }
  }

  private static Instant ago(Instant now, Long hours) {
    return hours == null ? null : now.minus(Duration.ofHours(hours));
  }

  @Test
  void theEvidenceNamesTheLastClientByVersionAndTheLaterOneOfTheDefaultAddress() {
    Instant now = T0.plus(Duration.ofDays(30));
    Version v = version("v2", T0, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(20)), List.of(), false,
        false);
    Decision d = decide(v, now);
    assertThat(d.verdict()).isEqualTo(Verdict.RETIRE);
    assertThat(d.reason()).isEqualTo("quiet since " + now.minus(Duration.ofDays(20)) + " (last client batch-job at "
        + now.minus(Duration.ofDays(20)) + "; last client of the default address desk-a at " + now.minus(Duration.ofDays(2))
        + ", which does not keep it; no lease ever), longer than retireAfter 14d");
    Version never = version("v2", T0, now.minus(Duration.ofDays(2)), null, List.of(), false, false);
    assertThat(decide(never, now).reason()).contains("(no client addressed it by version; last client of the default"
        + " address desk-a at " + now.minus(Duration.ofDays(2)));
  }

  /** Seeded: whatever the history, default and pinned stay, and nothing with a live lease or a recent client goes. */
  @Test
  void randomHistoriesNeverRetireWhatIsInUse() {
    long seed = Long.getLong("gantry.seed", 20261207L);
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
      // Clients of the default address: any time up to now, whatever the version's history.
      Instant defaultAddress = rnd.nextBoolean() ? null : T0.plus(Duration.ofHours(rnd.nextInt(24 * 60)));
      if (defaultAddress != null && defaultAddress.isAfter(now)) {
        defaultAddress = now;
      }
      String label = "v" + (1 + rnd.nextInt(9));
      Instant deprecatedAt = rnd.nextBoolean() ? null : T0;
      Version v = version(label, deprecatedAt, defaultAddress, lastSeen, leases, isDefault, pinned);
      Decision d = decide(v, now);
      String why = "seed " + seed + ", case " + i + ": " + v + " at " + now + " → " + d;
      if (d.verdict() == Verdict.RETIRE) {
        assertThat(isDefault || pinned).as(why).isFalse();
        assertThat(leases.stream().anyMatch(l -> l.liveAt(now))).as(why).isFalse();
        assertThat(lastSeen == null || !lastSeen.plus(RETIRE_AFTER).isAfter(now)).as(why).isTrue();
      }
      // The default address's clients change neither the verdict nor the sunset of a version a later one replaced,
      // nor whether a version is in use (the test a normal deploy asks of the previous default).
      Version withoutThem = version(label, deprecatedAt, null, lastSeen, leases, isDefault, pinned);
      Decision d2 = decide(withoutThem, now);
      if (deprecatedAt != null) {
        assertThat(d2.verdict()).as(why).isEqualTo(d.verdict());
        assertThat(d2.sunsetAt()).as(why).isEqualTo(d.sunsetAt());
      } else if (d.verdict() == Verdict.RETIRE) {
        // Not the default only because of a pin or rollback: its default-address clients kept it, as before.
        assertThat(defaultAddress == null || !defaultAddress.plus(RETIRE_AFTER).isAfter(now)).as(why).isTrue();
      }
      assertThat(Retirement.inUse(withoutThem, RETIRE_AFTER, now)).as(why)
          .isEqualTo(Retirement.inUse(v, RETIRE_AFTER, now));
    }
  }
}
