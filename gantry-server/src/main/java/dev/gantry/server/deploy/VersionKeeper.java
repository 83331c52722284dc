package dev.gantry.server.deploy;

import dev.gantry.core.deploy.ServiceSpec;
import dev.gantry.core.deploy.TrafficRouter;
import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerStore.ClientRecord;
import dev.gantry.core.ledger.LedgerStore.LeaseRecord;
import dev.gantry.core.ledger.LedgerStore.ServiceRecord;
import dev.gantry.core.ledger.LedgerStore.StateView;
import dev.gantry.core.ledger.LedgerStore.VersionRecord;
import dev.gantry.core.ledger.LedgerEvent.ClientsSeen;
import dev.gantry.core.ledger.LedgerEvent.VersionAdded;
import dev.gantry.core.ledger.LedgerEvent.VersionRetired;
import dev.gantry.core.version.Retirement;
import dev.gantry.store.DeployQueries;
import dev.gantry.store.DeployQueries.ClientRow;
import dev.gantry.store.DeployQueries.DeploymentRow;
import dev.gantry.store.DeployQueries.ServiceRow;
import dev.gantry.store.DeployQueries.VersionRow;
import dev.gantry.store.JdbcLedgerStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The version directory's side of the loop: records each version that becomes the default, keeps the
 * side-by-side ones running and addressable, flushes the clients the router saw into the ledger, and
 * retires the versions {@link Retirement} says are unused (route first, so new requests get 410 Gone;
 * instances after {@code drainTimeout}, so requests in flight finish).
 *
 * <p>Threading: called from the deploy loop's thread only (the maps are not shared).
 */
@Component
class VersionKeeper {
  static final String REPLACED = "replaced by ";

  private final JdbcLedgerStore store;
  private final DeployQueries queries;
  private final TrafficRouter router;
  private final Clock clock;
  private final Duration clientFlushInterval;
  /** Last-seen times already in the ledger, per service@label and client (seconds precision). */
  private final Map<String, Map<String, Instant>> flushed = new HashMap<>();
  /** The same for addressing the version by version (explicit clients). */
  private final Map<String, Map<String, Instant>> flushedExplicit = new HashMap<>();
  private final Map<String, Instant> lastFlush = new HashMap<>();
  /** The last retirement decisions per service, with the versions they were made for. */
  private final Map<String, Decided> decided = new HashMap<>();
  static final Duration DECIDE_EVERY = Duration.ofSeconds(1);
  /** Passes made, and per service@serial the pass at which a retired version was first seen idle and unrouted. */
  private long passes;
  private final Map<String, Long> idleSincePass = new HashMap<>();

  private record Decided(String shape, Instant at, List<Retirement.Decision> decisions) {}

  VersionKeeper(JdbcLedgerStore store, DeployQueries queries, TrafficRouter router, Clock clock,
      @Value("${gantry.versions.client-flush-interval:60s}") Duration clientFlushInterval) {
    this.store = store;
    this.queries = queries;
    this.router = router;
    this.clock = clock;
    this.clientFlushInterval = clientFlushInterval;
  }

  /** What one pass knows about a service's versions. */
  record View(List<VersionRow> all, List<VersionRow> running, Map<String, String> retired, String defaultSerial,
      String defaultLabel, List<Retirement.Decision> decisions) {
    Set<String> runningSerials() {
      return running.stream().map(VersionRow::serial).collect(Collectors.toSet());
    }

    Optional<VersionRow> bySerial(String serial) {
      return running.stream().filter(v -> v.serial().equals(serial)).findFirst();
    }
  }

  /**
   * Converges the directory for one service and returns its view. A stable serial that is not yet a running
   * version becomes one (version.added); if the deployment that made it stable was not side by side, the
   * previous default retires with it, in the same append, unless it is still in use (see {@link #added}).
   */
  View pass(ServiceRow svc, ServiceSpec spec, Optional<DeploymentRow> latest) {
    passes++;
    Instant now = clock.instant();
    List<VersionRow> all = queries.versions(svc.name());
    if (svc.stableSerial() != null && all.stream().noneMatch(v -> v.serial().equals(svc.stableSerial())
        && v.state().equals("running"))) {
      String label = queries.versionLabel(svc.name(), svc.stableSerial());
      boolean sideBySide = latest.filter(d -> d.serial().equals(svc.stableSerial()))
          .map(d -> d.kind().equals("side-by-side")).orElse(false);
      store.append("system", state -> added(state, svc.name(), label, svc.stableSerial(), sideBySide, spec, now));
      all = queries.versions(svc.name());
    }
    List<VersionRow> running = all.stream().filter(v -> v.state().equals("running")).toList();
    String defaultLabel = defaultLabel(svc, running);
    String defaultSerial = defaultLabel == null ? svc.stableSerial() : running.stream()
        .filter(v -> v.label().equals(defaultLabel)).map(VersionRow::serial).findFirst().orElseThrow();
    // Leases and clients change slowly: the decisions are recomputed at most once a second per service
    // (and whenever the set of running versions or the default changes), not at every 200 ms tick.
    String shape = running.stream().map(VersionRow::label).toList() + "/" + defaultLabel + "/" + svc.pinned();
    Decided cached = decided.get(svc.name());
    List<Retirement.Decision> decisions;
    if (cached != null && cached.shape().equals(shape) && Duration.between(cached.at(), now).compareTo(DECIDE_EVERY) < 0) {
      decisions = cached.decisions();
    } else {
      decisions = plan(svc.name(), spec, now).decisions();
      decided.put(svc.name(), new Decided(shape, now, decisions));
    }
    if (decisions.stream().anyMatch(d -> d.verdict() == Retirement.Verdict.RETIRE)) {
      // The read above only says a retirement may be due; the append decides again on the transaction's own
      // state, so a lease taken (or a retirement written by the API) in between wins.
      decided.remove(svc.name());
      if (!retire("system", svc.name(), spec, now).isEmpty()) {
        return pass(svc, spec, latest);
      }
      decisions = plan(svc.name(), spec, now).decisions();
    }
    flushClients(svc.name(), running, now);
    Map<String, String> retired = new TreeMap<>();
    for (VersionRow v : all) {
      if (v.state().equals("retired")) {
        retired.put(v.label(), v.successor() == null ? defaultLabel : v.successor());
      }
    }
    return new View(all, running, retired, defaultSerial, defaultLabel, decisions);
  }

  /**
   * The events of a version becoming the default, decided inside the append. A normal (not side-by-side)
   * deploy replaces only the previous default, the one running version that had not yet stopped being the
   * latest promoted; and only if nothing uses it ({@link Retirement#inUse}: pinned, a live lease, or a
   * client that addressed it by version within retireAfter; the default address's clients have moved to the
   * new default with it). A version in use stays, and {@link Retirement#plan} retires it once it is quiet.
   * Other versions (side by side, or kept earlier) are not the deploy's business.
   */
  List<LedgerEvent> added(StateView st, String service, String label, String serial, boolean sideBySide,
      ServiceSpec spec, Instant now) {
    List<VersionRecord> versions = st.versions(service);
    if (versions.stream().anyMatch(v -> v.label().equals(label) && v.running())) {
      return List.of(); // added already (a pass of another server, or an earlier batch)
    }
    List<LedgerEvent> events = new ArrayList<>();
    events.add(new VersionAdded(service, label, serial, sideBySide));
    if (!sideBySide) {
      Plan before = plan(st, service, spec.versions().retireAfter(), now);
      for (VersionRecord v : versions) {
        // version.added dates the deprecation of every other running version: the one without is the previous default.
        if (v.running() && !v.label().equals(label) && v.deprecatedAt() == null) {
          Retirement.Version rv = before.version(v.label()).orElseThrow();
          if (!Retirement.inUse(rv, spec.versions().retireAfter(), now)) {
            events.add(new VersionRetired(service, v.label(), v.serial(), REPLACED + label, label, evidence(rv)));
          }
        }
      }
    }
    return events;
  }

  /**
   * Retires what {@link Retirement#plan} says is unused, deciding inside the append on the transaction's
   * state: a lease taken, a client flushed, a pin set or a retirement written since any earlier read is
   * seen, and nothing is retired twice. Returns the retirements written (none when nothing qualifies now).
   */
  List<VersionRetired> retire(String actor, String service, ServiceSpec spec, Instant now) {
    List<LedgerEntry> entries = store.append(actor, st -> retirements(st, service, spec.versions().retireAfter(), now));
    return entries.stream().map(e -> (VersionRetired) e.event()).toList();
  }

  List<LedgerEvent> retirements(StateView st, String service, Duration retireAfter, Instant now) {
    Plan p = plan(st, service, retireAfter, now);
    if (p.defaultLabel() == null) {
      return List.of(); // the default is not a version yet (it is being added): no successor to name, none retires
    }
    List<LedgerEvent> out = new ArrayList<>();
    for (Retirement.Decision d : p.decisions()) {
      if (d.verdict() == Retirement.Verdict.RETIRE) {
        out.add(new VersionRetired(service, d.label(), d.serial(), d.reason(), p.defaultLabel(),
            evidence(p.version(d.label()).orElseThrow())));
      }
    }
    return out;
  }

  /**
   * The evidence a retirement records as fields: the last client by any address and when, the last one that
   * addressed the version by version and when, and every lease the version had.
   */
  static VersionRetired.Evidence evidence(Retirement.Version v) {
    return new VersionRetired.Evidence(v.lastClient(), v.lastClientSeen() == null ? null : v.lastClientSeen().toString(),
        v.lastExplicitClient(), v.lastExplicitSeen() == null ? null : v.lastExplicitSeen().toString(),
        v.leases().stream().map(l -> new VersionRetired.LeaseEvidence(l.id(), l.client(), l.expiresAt().toString(),
            l.released())).toList());
  }

  /** The default version's label: the pinned one while it runs, else the stable one's (null: none yet). */
  static String defaultLabel(ServiceRow svc, List<VersionRow> running) {
    return defaultLabel(svc.pinned(), svc.stableSerial(), running.stream().map(v -> Map.entry(v.label(), v.serial()))
        .toList());
  }

  private static String defaultLabel(String pinned, String stableSerial, List<Map.Entry<String, String>> running) {
    if (pinned != null && running.stream().anyMatch(v -> v.getKey().equals(pinned))) {
      return pinned;
    }
    return running.stream().filter(v -> v.getValue().equals(stableSerial)).map(Map.Entry::getKey).findFirst()
        .orElse(null);
  }

  /** The running versions of a service as the retirement rule sees them, and its decisions. */
  record Plan(String defaultLabel, List<Retirement.Version> versions, List<Retirement.Decision> decisions) {
    Optional<Retirement.Version> version(String label) {
      return versions.stream().filter(v -> v.label().equals(label)).findFirst();
    }
  }

  /** The decisions for the running versions now (what {@code gantry versions retire --dry-run} shows). */
  Plan plan(String service, ServiceSpec spec, Instant now) {
    return store.stateView(st -> plan(st, service, spec.versions().retireAfter(), now));
  }

  /**
   * The rule's input from one view of the state (a reader's, or the append transaction's): leases and
   * flushed clients from the ledger, refreshed by what the router saw since the last flush.
   */
  Plan plan(StateView st, String service, Duration retireAfter, Instant now) {
    ServiceRecord svc = st.service(service).orElse(null);
    String pinned = svc == null ? null : svc.pinned();
    List<VersionRecord> running = st.versions(service).stream().filter(VersionRecord::running)
        .sorted(java.util.Comparator.comparingLong((VersionRecord v) -> Long.parseLong(v.label().substring(1)))
            .reversed()).toList();
    String defaultLabel = defaultLabel(pinned, svc == null ? null : svc.stableSerial(),
        running.stream().map(v -> Map.entry(v.label(), v.serial())).toList());
    List<LeaseRecord> leases = st.leases(service);
    Map<String, List<ClientRecord>> clients = st.versionClients(service).stream()
        .collect(Collectors.groupingBy(ClientRecord::label));
    List<Retirement.Version> versions = new ArrayList<>();
    for (VersionRecord v : running) {
      List<ClientRecord> mine = clients.getOrDefault(v.label(), List.of());
      VersionStats live = router.stats(service, v.serial()); // seen by the router since the last flush
      Map.Entry<String, Instant> last = latest(mine.stream().map(c -> Map.entry(c.client(), Instant.parse(c.lastSeen()))),
          live.clientLastSeenMillis());
      Map.Entry<String, Instant> lastExplicit = latest(mine.stream().filter(c -> c.explicitLastSeen() != null)
          .map(c -> Map.entry(c.client(), Instant.parse(c.explicitLastSeen()))), live.clientExplicitLastSeenMillis());
      versions.add(new Retirement.Version(v.label(), v.serial(), Instant.parse(v.addedAt()),
          v.deprecatedAt() == null ? null : Instant.parse(v.deprecatedAt()),
          last == null ? null : last.getValue(), last == null ? null : last.getKey(),
          lastExplicit == null ? null : lastExplicit.getValue(), lastExplicit == null ? null : lastExplicit.getKey(),
          leases.stream().filter(l -> l.label().equals(v.label())).map(l -> new Retirement.Lease(l.id(), l.client(),
              Instant.parse(l.expiresAt()), l.released())).toList(),
          v.label().equals(defaultLabel), v.label().equals(pinned)));
    }
    return new Plan(defaultLabel, versions, Retirement.plan(versions, retireAfter, now));
  }

  /** The latest of the ledger's sightings and the router's (epoch ms): client and time, or null for none. */
  private static Map.Entry<String, Instant> latest(java.util.stream.Stream<Map.Entry<String, Instant>> ledger,
      Map<String, Long> live) {
    Map.Entry<String, Instant> best = ledger.max(Map.Entry.comparingByValue()).orElse(null);
    for (Map.Entry<String, Long> e : live.entrySet()) {
      Instant t = Instant.ofEpochMilli(e.getValue());
      if (best == null || t.isAfter(best.getValue())) {
        best = Map.entry(e.getKey(), t);
      }
    }
    return best;
  }

  /**
   * Writes the clients the router saw since the last flush: new ones, and those whose last-seen, or last-seen
   * addressing the version by version, moved by a flush interval. A written client carries its explicit time
   * when the router has one.
   */
  private void flushClients(String service, List<VersionRow> running, Instant now) {
    Instant last = lastFlush.get(service);
    if (last != null && Duration.between(last, now).compareTo(clientFlushInterval) < 0) {
      return;
    }
    lastFlush.put(service, now);
    if (last == null) {
      for (ClientRow c : queries.versionClients(service)) {
        flushed.computeIfAbsent(service + "@" + c.label(), k -> new HashMap<>()).put(c.client(),
            Instant.parse(c.lastSeen()));
        if (c.explicitLastSeen() != null) {
          flushedExplicit.computeIfAbsent(service + "@" + c.label(), k -> new HashMap<>()).put(c.client(),
              Instant.parse(c.explicitLastSeen()));
        }
      }
    }
    for (VersionRow v : running) {
      Map<String, Instant> known = flushed.computeIfAbsent(service + "@" + v.label(), k -> new HashMap<>());
      Map<String, Instant> knownExplicit = flushedExplicit.computeIfAbsent(service + "@" + v.label(),
          k -> new HashMap<>());
      Map<String, String> changed = new LinkedHashMap<>();
      Map<String, String> changedExplicit = new LinkedHashMap<>();
      liveClients(service, v.serial()).forEach((client, s) -> {
        Instant before = known.get(client);
        Instant beforeExplicit = knownExplicit.get(client);
        if (before == null || Duration.between(before, s.lastSeen()).compareTo(clientFlushInterval) >= 0
            || (s.explicitLastSeen() != null && (beforeExplicit == null
            || Duration.between(beforeExplicit, s.explicitLastSeen()).compareTo(clientFlushInterval) >= 0))) {
          changed.put(client, s.lastSeen().toString());
          if (s.explicitLastSeen() != null) {
            changedExplicit.put(client, s.explicitLastSeen().toString());
          }
        }
      });
      if (!changed.isEmpty()) {
        store.append("system", state -> List.<LedgerEvent>of(new ClientsSeen(service, v.label(), changed,
            changedExplicit)));
        changed.forEach((c, t) -> known.put(c, Instant.parse(t)));
        changedExplicit.forEach((c, t) -> knownExplicit.put(c, Instant.parse(t)));
      }
    }
  }

  /** The router's version addresses for a service: every running version, retired ones, deprecations. */
  TrafficRouter.Versions routes(View view) {
    Map<String, String> labels = new HashMap<>();
    for (VersionRow v : view.running()) {
      labels.put(v.label(), v.serial());
    }
    Map<String, TrafficRouter.Deprecation> deprecations = new HashMap<>();
    for (Retirement.Decision d : view.decisions()) {
      if (d.verdict() == Retirement.Verdict.KEEP && d.sunsetAt() != null) {
        VersionRow v = view.bySerial(d.serial()).orElseThrow();
        Instant deprecatedAt = v.deprecatedAt() == null ? Instant.parse(v.addedAt()) : Instant.parse(v.deprecatedAt());
        deprecations.put(v.serial(), new TrafficRouter.Deprecation(deprecatedAt.getEpochSecond(),
            d.sunsetAt().getEpochSecond(), view.defaultLabel()));
      }
    }
    return new TrafficRouter.Versions(labels, view.retired(), deprecations);
  }

  /**
   * Instances of a version retired for being unused keep running while it drains: until the router has no
   * request of it in flight, at most {@code drainTimeout} after the retirement. A replaced version's
   * instances are the deployment's business (warm for scaleDownDelay).
   *
   * @param routed whether the route table in force still routes the serial (then new requests may come)
   */
  boolean draining(View view, String serial, ServiceSpec spec, boolean routed) {
    return view.all().stream().anyMatch(v -> v.serial().equals(serial) && v.state().equals("retired")
        && v.reason() != null && !v.reason().startsWith(REPLACED)) && !drained(view, serial, spec, routed);
  }

  /**
   * Whether the loop may stop a retired version's instances now. One retired for being unused: once no
   * request of it is in flight on two passes in a row with its route gone (a request that read the old
   * route table just before it changed is counted within microseconds; a pass later it is seen), or
   * {@code drainTimeout} after the retirement, whichever comes first. A replaced one: after the service's
   * scaleDownDelay (warm for a rollback until then). The deployment's own target and previous version are
   * the reconciler's business, not this.
   */
  boolean drained(View view, String serial, ServiceSpec spec, boolean routed) {
    Instant now = clock.instant();
    Optional<VersionRow> retired = view.all().stream()
        .filter(v -> v.serial().equals(serial) && v.state().equals("retired") && v.reason() != null).findFirst();
    if (retired.isEmpty()) {
      return false;
    }
    VersionRow v = retired.get();
    Instant at = Instant.parse(v.retiredAt());
    if (v.reason().startsWith(REPLACED)) {
      return !now.isBefore(at.plus(spec.scaleDownDelay()));
    }
    if (!now.isBefore(at.plus(spec.versions().drainTimeout()))) {
      return true; // the upper bound: a request that hangs does not keep the instances forever
    }
    String key = view.all().getFirst().service() + "@" + serial;
    if (routed || router.stats(view.all().getFirst().service(), serial).inFlight() > 0) {
      idleSincePass.remove(key);
      return false;
    }
    Long since = idleSincePass.putIfAbsent(key, passes);
    return since != null && since < passes;
  }

  /**
   * When a client was last seen calling a version by any address, and by version (null: not since the router
   * started), to the second.
   */
  record Seen(Instant lastSeen, Instant explicitLastSeen) {}

  /**
   * The clients the router saw calling a version since it started, with their last-seen times. A client's last
   * call by version may be up to a second later than its last-seen (each is written at most once a second): the
   * later one is its last-seen then.
   */
  Map<String, Seen> liveClients(String service, String serial) {
    VersionStats st = router.stats(service, serial);
    Map<String, Seen> out = new HashMap<>();
    st.clientLastSeenMillis().forEach((c, ms) -> out.put(c, new Seen(seconds(ms), null)));
    st.clientExplicitLastSeenMillis().forEach((c, ms) -> {
      Instant explicit = seconds(ms);
      Seen any = out.get(c);
      out.put(c, new Seen(any == null || explicit.isAfter(any.lastSeen()) ? explicit : any.lastSeen(), explicit));
    });
    return out;
  }

  private static Instant seconds(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS);
  }
}
