package dev.gantry.server.deploy;

import dev.gantry.core.deploy.ServiceSpec;
import dev.gantry.core.deploy.TrafficRouter;
import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.ClientsSeen;
import dev.gantry.core.ledger.LedgerEvent.VersionAdded;
import dev.gantry.core.ledger.LedgerEvent.VersionRetired;
import dev.gantry.core.version.Retirement;
import dev.gantry.store.DeployQueries;
import dev.gantry.store.DeployQueries.ClientRow;
import dev.gantry.store.DeployQueries.DeploymentRow;
import dev.gantry.store.DeployQueries.LeaseRow;
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
  private final Map<String, Instant> lastFlush = new HashMap<>();
  /** The last retirement decisions per service, with the versions they were made for. */
  private final Map<String, Decided> decided = new HashMap<>();
  static final Duration DECIDE_EVERY = Duration.ofSeconds(1);

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
   * version it replaced retires with it, in the same append.
   */
  View pass(ServiceRow svc, ServiceSpec spec, Optional<DeploymentRow> latest) {
    Instant now = clock.instant();
    List<VersionRow> all = queries.versions(svc.name());
    if (svc.stableSerial() != null && all.stream().noneMatch(v -> v.serial().equals(svc.stableSerial())
        && v.state().equals("running"))) {
      String label = queries.versionLabel(svc.name(), svc.stableSerial());
      boolean sideBySide = latest.filter(d -> d.serial().equals(svc.stableSerial()))
          .map(d -> d.kind().equals("side-by-side")).orElse(false);
      List<LedgerEvent> events = new ArrayList<>();
      events.add(new VersionAdded(svc.name(), label, svc.stableSerial(), sideBySide));
      if (!sideBySide) {
        for (VersionRow v : all) {
          if (v.state().equals("running") && !v.label().equals(label) && !v.label().equals(svc.pinned())
              && !v.sideBySide()) {
            events.add(new VersionRetired(svc.name(), v.label(), v.serial(), REPLACED + label, label));
          }
        }
      }
      store.append("system", state -> events);
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
      decisions = decide(svc, spec, running, defaultLabel, now);
      decided.put(svc.name(), new Decided(shape, now, decisions));
    }
    List<LedgerEvent> retire = new ArrayList<>();
    for (Retirement.Decision d : decisions) {
      if (d.verdict() == Retirement.Verdict.RETIRE) {
        retire.add(new VersionRetired(svc.name(), d.label(), d.serial(), d.reason(), defaultLabel));
      }
    }
    if (!retire.isEmpty()) {
      store.append("system", state -> retire);
      decided.remove(svc.name());
      return pass(svc, spec, latest);
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

  /** The default version's label: the pinned one while it runs, else the stable one's (null: none yet). */
  static String defaultLabel(ServiceRow svc, List<VersionRow> running) {
    if (svc.pinned() != null && running.stream().anyMatch(v -> v.label().equals(svc.pinned()))) {
      return svc.pinned();
    }
    return running.stream().filter(v -> v.serial().equals(svc.stableSerial())).map(VersionRow::label).findFirst()
        .orElse(null);
  }

  /** The decisions for the running versions (what {@code gantry versions retire --dry-run} shows). */
  List<Retirement.Decision> decide(ServiceRow svc, ServiceSpec spec, List<VersionRow> running, String defaultLabel,
      Instant now) {
    List<LeaseRow> leases = queries.leases(svc.name());
    Map<String, List<ClientRow>> clients = queries.versionClients(svc.name()).stream()
        .collect(Collectors.groupingBy(ClientRow::label));
    List<Retirement.Version> versions = new ArrayList<>();
    for (VersionRow v : running) {
      ClientRow last = clients.getOrDefault(v.label(), List.of()).stream()
          .max(java.util.Comparator.comparing(ClientRow::lastSeen)).orElse(null);
      Instant liveSeen = liveLastSeen(svc.name(), v);
      Instant lastSeen = last == null ? null : Instant.parse(last.lastSeen());
      String lastClient = last == null ? null : last.client();
      if (liveSeen != null && (lastSeen == null || liveSeen.isAfter(lastSeen))) {
        lastSeen = liveSeen; // seen by the router since the last flush
        lastClient = "(router, not yet flushed)";
      }
      versions.add(new Retirement.Version(v.label(), v.serial(), Instant.parse(v.addedAt()),
          v.deprecatedAt() == null ? null : Instant.parse(v.deprecatedAt()), lastSeen, lastClient,
          leases.stream().filter(l -> l.label().equals(v.label())).map(l -> new Retirement.Lease(l.id(), l.client(),
              Instant.parse(l.expiresAt()), l.released())).toList(),
          v.label().equals(defaultLabel), v.label().equals(svc.pinned())));
    }
    return Retirement.plan(versions, spec.versions().retireAfter(), now);
  }

  private Instant liveLastSeen(String service, VersionRow v) {
    VersionStats st = router.stats(service, v.serial());
    return st.clientLastSeenMillis().values().stream().max(Long::compare).map(Instant::ofEpochMilli).orElse(null);
  }

  /** Writes the clients the router saw since the last flush (new ones, and last-seen moved by a flush interval). */
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
      }
    }
    for (VersionRow v : running) {
      Map<String, Instant> known = flushed.computeIfAbsent(service + "@" + v.label(), k -> new HashMap<>());
      Map<String, String> changed = new LinkedHashMap<>();
      router.stats(service, v.serial()).clientLastSeenMillis().forEach((client, ms) -> {
        Instant seen = Instant.ofEpochMilli(ms).truncatedTo(ChronoUnit.SECONDS);
        Instant before = known.get(client);
        if (before == null || Duration.between(before, seen).compareTo(clientFlushInterval) >= 0) {
          changed.put(client, seen.toString());
        }
      });
      if (!changed.isEmpty()) {
        store.append("system", state -> List.<LedgerEvent>of(new ClientsSeen(service, v.label(), changed)));
        changed.forEach((c, t) -> known.put(c, Instant.parse(t)));
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
   * Instances of a version retired for being unused may stop once its drain timeout has passed since the
   * retirement. A replaced version's instances are the deployment's business (warm for scaleDownDelay).
   */
  boolean draining(View view, String serial, ServiceSpec spec) {
    Instant now = clock.instant();
    return view.all().stream().filter(v -> v.serial().equals(serial) && v.state().equals("retired"))
        .anyMatch(v -> v.reason() != null && !v.reason().startsWith(REPLACED)
            && now.isBefore(Instant.parse(v.retiredAt()).plus(spec.versions().drainTimeout())));
  }

  /**
   * Whether the loop may stop a retired version's instances now: a version retired for being unused after
   * its drain timeout; a replaced one after the service's scaleDownDelay (warm for a rollback until then).
   * The deployment's own target and previous version are the reconciler's business, not this.
   */
  boolean drained(View view, String serial, ServiceSpec spec) {
    Instant now = clock.instant();
    return view.all().stream().filter(v -> v.serial().equals(serial) && v.state().equals("retired"))
        .anyMatch(v -> v.reason() != null && !now.isBefore(Instant.parse(v.retiredAt()).plus(
            v.reason().startsWith(REPLACED) ? spec.scaleDownDelay() : spec.versions().drainTimeout())));
  }

  /** The clients the router saw calling a version since it started, with their last-seen times. */
  Map<String, Instant> liveClients(String service, String serial) {
    Map<String, Instant> out = new HashMap<>();
    router.stats(service, serial).clientLastSeenMillis().forEach((c, ms) ->
        out.put(c, Instant.ofEpochMilli(ms).truncatedTo(ChronoUnit.SECONDS)));
    return out;
  }
}
