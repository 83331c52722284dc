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

    router.seenByVersion("pricing", serial(2), "risk-batch", clock.instant()); // called v2 by version a moment ago
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
    String justNow = clock.instant().minusSeconds(5).toString();
    append(new ClientsSeen("pricing", "v1", Map.of("desk", justNow), Map.of()));
    assertThat(keeper.plan("pricing", SPEC, clock.instant()).version("v1").orElseThrow().lastClientSeen())
        .hasToString(justNow);
    assertThat(keeper.retire("system", "pricing", SPEC, clock.instant())).as("desk came through the default address")
        .singleElement().satisfies(r -> assertThat(r.reason()).contains("desk", "which does not keep it"));
  }

  @Test
  void aClientByVersionFlushedAfterTheReadKeepsTheVersionAndSoDoesOneFlushedBeforeClientsWereToldApart() {
    v1QuietPastRetireAfter();
    append(new ClientsSeen("pricing", "v1", Map.of("risk-batch", clock.instant().minusSeconds(5).toString()),
        Map.of("risk-batch", clock.instant().minusSeconds(5).toString())));
    assertThat(keeper.retire("system", "pricing", SPEC, clock.instant())).isEmpty();

    clock.advance(RETIRE_AFTER);
    // An entry as written before: no explicitLastSeen. Its clients count, as they did when it was written.
    append(new ClientsSeen("pricing", "v1", Map.of("risk-batch", clock.instant().minusSeconds(5).toString())));
    assertThat(keeper.retire("system", "pricing", SPEC, clock.instant())).isEmpty();
    assertThat(queries.versionClients("pricing")).singleElement().satisfies(c ->
        assertThat(c.explicitLastSeen()).isEqualTo(c.lastSeen()));
  }

  /**
   * The case: the users of the default address keep calling it, so the previous default has recent
   * clients when a normal deploy completes; they move to the new default with the address, and the previous
   * default is replaced at once.
   */
  @Test
  void aNormalDeployReplacesThePreviousDefaultDespiteItsDefaultAddressClients() {
    deploy(1, false);
    for (int i = 0; i < 3; i++) {
      clock.advance(Duration.ofMinutes(2)); // more than the flush interval: the sightings reach the ledger
      router.seen("pricing", serial(1), "desk-" + i, clock.instant());
      router.seen("pricing", serial(1), "anonymous", clock.instant());
      pass();
    }
    assertThat(queries.versionClients("pricing")).hasSize(4).allSatisfy(c -> {
      assertThat(c.label()).isEqualTo("v1");
      assertThat(c.explicitLastSeen()).as("came through the default address").isNull();
    });
    java.time.Instant lastCall = clock.instant();
    clock.advance(Duration.ofSeconds(5));

    deploy(2, false);

    assertThat(version("v1").state()).isEqualTo("retired");
    assertThat(version("v1").reason()).isEqualTo("replaced by v2");
    VersionRetired r = retirements().getFirst();
    assertThat(r.evidence().lastSeen()).as("shown, though it did not keep it").isEqualTo(lastCall.toString());
    assertThat(r.evidence().lastExplicitSeen()).isNull();
    assertThat(dev.gantry.store.LedgerAudit.verify(f.db(), f.key()).ok()).as("the projection replays").isTrue();
  }

  /** The same, but one client also addressed v1 by version: the deploy leaves v1 to the retirement rule. */
  @Test
  void aNormalDeployKeepsThePreviousDefaultWhenAClientAddressedItByVersion() {
    deploy(1, false);
    clock.advance(Duration.ofMinutes(2));
    router.seen("pricing", serial(1), "desk", clock.instant());
    router.seenByVersion("pricing", serial(1), "risk-batch", clock.instant().minus(Duration.ofDays(1)).plusSeconds(120));
    java.time.Instant byVersion = clock.instant().minus(Duration.ofDays(1)).plusSeconds(120);
    pass(); // flushed: the decision below is the ledger's, not only the router's
    assertThat(queries.versionClients("pricing")).filteredOn(c -> c.client().equals("risk-batch")).singleElement()
        .satisfies(c -> assertThat(c.explicitLastSeen()).isEqualTo(byVersion.toString()));

    // A fresh keeper and router (a restarted server): only the ledger knows who called v1 by version.
    VersionKeeper restarted = new VersionKeeper(f.store(), queries, new FakeTrafficRouter(), clock,
        Duration.ofSeconds(60));
    append(new DeploymentStarted("D-2", "pricing", serial(2), serial(1), "normal", null),
        new DeploymentPhaseChanged("D-2", "pricing", "COMPLETE", "done"));
    restarted.pass(queries.service("pricing").orElseThrow(), SPEC, queries.latestDeployment("pricing"));
    assertThat(version("v1").state()).as("risk-batch called it by version within retireAfter").isEqualTo("running");
    assertThat(restarted.plan("pricing", SPEC, clock.instant()).decisions()).filteredOn(d -> d.label().equals("v1"))
        .singleElement().satisfies(d -> assertThat(d.sunsetAt()).as("retireAfter after it stopped being the default")
            .isEqualTo(clock.instant().plus(RETIRE_AFTER)));

    // Quiet by version for retireAfter since it stopped being the default: the rule retires it, naming risk-batch.
    clock.advance(RETIRE_AFTER);
    restarted.pass(queries.service("pricing").orElseThrow(), SPEC, queries.latestDeployment("pricing"));
    assertThat(version("v1").state()).isEqualTo("retired");
    VersionRetired r = retirements().getFirst();
    assertThat(r.evidence().lastExplicitClient()).isEqualTo("risk-batch");
    assertThat(r.evidence().lastExplicitSeen()).isEqualTo(byVersion.toString());
    assertThat(dev.gantry.store.LedgerAudit.verify(f.db(), f.key()).ok()).as("the projection replays").isTrue();
  }

  @Test
  void aQuietClientWithALiveLeaseStaysAndRetiresWithItsEvidenceOnceTheLeaseExpiredAndRetireAfterPassed() {
    deploy(1, false);
    clock.advance(Duration.ofHours(1));
    deploy(2, true); // v2 the default; v1 side by side
    router.seenByVersion("pricing", serial(1), "risk-batch", clock.instant()); // the client's last call
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
    assertThat(r.evidence().lastExplicitClient()).isEqualTo("risk-batch");
    assertThat(r.evidence().lastExplicitSeen()).isEqualTo(lastCall.toString());
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
