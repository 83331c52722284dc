package dev.gantry.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.deploy.ServiceSpec;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.ArtifactRegistered;
import dev.gantry.core.ledger.LedgerEvent.ClientsSeen;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPhaseChanged;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.LeaseAcquired;
import dev.gantry.core.ledger.LedgerEvent.ServiceApplied;
import dev.gantry.core.ledger.LedgerEvent.VersionPinned;
import dev.gantry.core.ledger.LedgerEvent.VersionRetired;
import dev.gantry.server.TestClock;
import dev.gantry.store.DeployQueries;
import dev.gantry.store.DeployQueries.VersionRow;
import dev.gantry.store.StoreFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loop's version keeper on a real SQLite ledger with the test clock moved by hand (no sleeps): which
 * version a normal deploy replaces, what leases and clients keep, and that every retirement is decided
 * inside the append.
 */
class VersionKeeperTest {
  static final Duration RETIRE_AFTER = Duration.ofDays(14);
  static final ServiceSpec SPEC = ServiceSpec.parse(Json.parseObject("""
      {"name":"pricing","command":["{java}","-jar","{artifact}"],"route":{"pathPrefix":"pricing"},
       "versions":{"retireAfter":"14d","drainTimeout":"30s"}}
      """));

  final TestClock clock = new TestClock();
  final StoreFixture f = StoreFixture.open("sqlite", clock);
  final DeployQueries queries = new DeployQueries(f.db());
  final FakeTrafficRouter router = new FakeTrafficRouter();
  final VersionKeeper keeper = new VersionKeeper(f.store(), queries, router, clock, Duration.ofSeconds(60));
  int deployments;

  VersionKeeperTest() {
    append(new ServiceApplied("pricing", Json.write(SPEC.toJson())));
    for (int n = 1; n <= 5; n++) {
      append(new ArtifactRegistered(serial(n), n, "pricing", String.valueOf(n).repeat(64), String.valueOf(n).repeat(64),
          "pricing.jar", 10, "jar", null, List.of(), null, List.of(), Map.of(), "{}"));
    }
  }

  @AfterEach
  void close() {
    f.close();
  }

  static String serial(int n) {
    return String.format("A-%06d", n);
  }

  private List<LedgerEntry> append(LedgerEvent... events) {
    return f.store().append("test", st -> List.of(events));
  }

  /** A deployment of artifact n completes, and the loop makes a pass. */
  private VersionKeeper.View deploy(int n, boolean sideBySide) {
    String id = "D-" + (++deployments);
    String from = queries.service("pricing").orElseThrow().stableSerial();
    append(new DeploymentStarted(id, "pricing", serial(n), from, sideBySide ? "side-by-side" : "normal", null),
        new DeploymentPhaseChanged(id, "pricing", "COMPLETE", "done"));
    return pass();
  }

  private VersionKeeper.View pass() {
    return keeper.pass(queries.service("pricing").orElseThrow(), SPEC, queries.latestDeployment("pricing"));
  }

  private VersionRow version(String label) {
    return queries.versions("pricing").stream().filter(v -> v.label().equals(label)).findFirst().orElseThrow();
  }

  private List<VersionRetired> retirements() {
    List<VersionRetired> out = new ArrayList<>();
    f.store().scan(1, f.store().head().size(), e -> {
      if (e.event() instanceof VersionRetired r) {
        out.add(r);
      }
    });
    return out;
  }

  @Test
  void aNormalDeployReplacesThePreviousDefaultNotAnOlderVersionKeptSideBySide() {
    deploy(1, false);
    clock.advance(Duration.ofHours(1));
    deploy(2, true); // v2 side by side: v1 stays, v2 becomes the default
    clock.advance(Duration.ofHours(1));
    append(new LeaseAcquired("L-000001", "pricing", "v1", "month-end", clock.instant().plus(Duration.ofDays(30))
        .toString()));
    clock.advance(Duration.ofHours(1));

    deploy(3, false);

    assertThat(version("v1").state()).as("v1 is leased, and not the version v3 replaces").isEqualTo("running");
    assertThat(version("v2").state()).as("v2 was the default: v3 replaces it").isEqualTo("retired");
    assertThat(version("v2").reason()).isEqualTo("replaced by v3");
    assertThat(version("v3").state()).isEqualTo("running");
    assertThat(retirements()).singleElement().satisfies(r -> assertThat(r.label()).isEqualTo("v2"));
  }

  @Test
  void aNormalDeployKeepsAPreviousDefaultThatIsLeasedOrCalledAndLeavesItToTheRetirementRule() {
    deploy(1, false);
    clock.advance(Duration.ofHours(1));
    append(new LeaseAcquired("L-000001", "pricing", "v1", "month-end", clock.instant().plus(Duration.ofDays(30))
        .toString()));
    deploy(2, false);
    assertThat(version("v1").state()).as("leased").isEqualTo("running");

    router.seen("pricing", serial(2), "risk-batch", clock.instant()); // a client called v2 a moment ago
    clock.advance(Duration.ofMinutes(1));
    deploy(3, false);
    assertThat(version("v2").state()).as("called within retireAfter").isEqualTo("running");

    // Neither is forgotten: once quiet for retireAfter (and v1's lease over), the rule retires both.
    clock.advance(Duration.ofDays(31));
    pass();
    assertThat(version("v1").state()).isEqualTo("retired");
    assertThat(version("v2").state()).isEqualTo("retired");
    assertThat(version("v3").state()).as("the default").isEqualTo("running");
  }

  @Test
  void aPinnedPreviousDefaultIsNotReplaced() {
    deploy(1, false);
    append(new VersionPinned("pricing", "v1"));
    clock.advance(Duration.ofHours(1));
    deploy(2, false);
    assertThat(version("v1").state()).isEqualTo("running");
  }

  /** v1 normal, then v2 side by side; v1 quiet since v2 became the default, for retireAfter and a minute. */
  private void v1QuietPastRetireAfter() {
    deploy(1, false);
    clock.advance(Duration.ofHours(1));
    deploy(2, true);
    clock.advance(RETIRE_AFTER.plusMinutes(1));
  }

  @Test
  void aLeaseTakenAfterTheRetirementWasReadButBeforeItIsWrittenKeepsTheVersion() {
    v1QuietPastRetireAfter();
    assertThat(keeper.plan("pricing", SPEC, clock.instant()).decisions()).filteredOn(d -> d.label().equals("v1"))
        .singleElement().satisfies(d -> assertThat(d.verdict()).isEqualTo(dev.gantry.core.version.Retirement.Verdict.RETIRE));

    // Between that read and the append, a client declares itself.
    append(new LeaseAcquired("L-000001", "pricing", "v1", "month-end", clock.instant().plus(Duration.ofDays(30))
        .toString()));

    assertThat(keeper.retire("system", "pricing", SPEC, clock.instant())).isEmpty();
    assertThat(version("v1").state()).isEqualTo("running");
  }

  @Test
  void theLoopAndTheApiRetiringTogetherWriteOneRetirement() {
    v1QuietPastRetireAfter();
    assertThat(keeper.retire("olga", "pricing", SPEC, clock.instant())).singleElement()
        .satisfies(r -> assertThat(r.label()).isEqualTo("v1"));
    assertThat(keeper.retire("system", "pricing", SPEC, clock.instant())).isEmpty();
    pass();
    assertThat(retirements()).hasSize(1);
  }

  @Test
  void aClientFlushedAfterTheReadKeepsTheVersion() {
    v1QuietPastRetireAfter();
    append(new ClientsSeen("pricing", "v1", Map.of("risk-batch", clock.instant().minusSeconds(5).toString())));
    assertThat(keeper.retire("system", "pricing", SPEC, clock.instant())).isEmpty();
  }

  @Test
  void aQuietClientWithALiveLeaseStaysAndRetiresWithItsEvidenceOnceTheLeaseExpiredAndRetireAfterPassed() {
    deploy(1, false);
    clock.advance(Duration.ofHours(1));
    deploy(2, true); // v2 the default; v1 side by side
    router.seen("pricing", serial(1), "risk-batch", clock.instant()); // the client's last call
    java.time.Instant lastCall = clock.instant();
    append(new LeaseAcquired("L-000001", "pricing", "v1", "month-end", clock.instant().plus(Duration.ofDays(30))
        .toString()));

    // Quiet for longer than retireAfter, but leased: it stays.
    clock.advance(RETIRE_AFTER.plusDays(1));
    pass();
    assertThat(version("v1").state()).isEqualTo("running");

    // The lease expires (day 30); retireAfter since the last call passed long ago: it retires on the next pass.
    clock.advance(Duration.ofDays(30).minus(RETIRE_AFTER.plusDays(1)).minusSeconds(1));
    pass();
    assertThat(version("v1").state()).as("a second before the lease expires").isEqualTo("running");
    clock.advance(Duration.ofSeconds(1));
    pass();
    assertThat(version("v1").state()).isEqualTo("retired");
    assertThat(version("v1").successor()).isEqualTo("v2");
    VersionRetired r = retirements().getFirst();
    assertThat(r.reason()).contains("last client risk-batch").contains("L-000001 (month-end, expired");
    assertThat(r.evidence().lastClient()).isEqualTo("risk-batch");
    assertThat(r.evidence().lastSeen()).isEqualTo(lastCall.toString());
    assertThat(r.evidence().leases()).containsExactly(new VersionRetired.LeaseEvidence("L-000001", "month-end",
        lastCall.plus(Duration.ofDays(30)).toString(), false));
  }

  @Test
  void theDefaultVersionIsNeverRetiredHoweverQuiet() {
    deploy(1, false);
    for (int i = 0; i < 5; i++) {
      clock.advance(RETIRE_AFTER.multipliedBy(3));
      assertThat(pass().defaultLabel()).isEqualTo("v1");
    }
    assertThat(version("v1").state()).isEqualTo("running");
    assertThat(keeper.retire("olga", "pricing", SPEC, clock.instant())).isEmpty();
    assertThat(retirements()).isEmpty();
  }

  @Test
  void aRetiredVersionStopsOnceNothingIsInFlightAndItsRouteIsGone() {
    v1QuietPastRetireAfter();
    VersionKeeper.View view = pass();
    assertThat(version("v1").state()).isEqualTo("retired");

    router.inFlight("pricing", serial(1), 2);
    assertThat(keeper.drained(view, serial(1), SPEC, false)).as("two requests in flight").isFalse();
    assertThat(keeper.draining(view, serial(1), SPEC, false)).isTrue();
    router.inFlight("pricing", serial(1), 0);
    view = pass();
    assertThat(keeper.drained(view, serial(1), SPEC, true)).as("the old route table is still in force").isFalse();
    view = pass();
    assertThat(keeper.drained(view, serial(1), SPEC, false))
        .as("idle on one pass: a request that read the old table may be a moment from being counted").isFalse();
    view = pass();
    assertThat(keeper.drained(view, serial(1), SPEC, false)).as("idle on two passes, long before drainTimeout")
        .isTrue();
    assertThat(keeper.draining(view, serial(1), SPEC, false)).isFalse();
  }

  @Test
  void aRetiredVersionWithARequestThatHangsStopsAfterDrainTimeout() {
    v1QuietPastRetireAfter();
    pass();
    router.inFlight("pricing", serial(1), 1);
    clock.advance(SPEC.versions().drainTimeout().minusSeconds(1));
    assertThat(keeper.drained(pass(), serial(1), SPEC, false)).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(keeper.drained(pass(), serial(1), SPEC, false)).isTrue();
  }
}
