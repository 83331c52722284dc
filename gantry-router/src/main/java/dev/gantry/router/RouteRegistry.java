package dev.gantry.router;

import dev.gantry.core.deploy.TrafficRouter.RouteTable;
import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current routes and the counters of every version ever routed.
 *
 * <p>Threading: writers (the control plane's {@code apply}/{@code remove}) are serialized by this
 * object's monitor and publish a new immutable {@link RouteSnapshot} through one volatile write;
 * event loops read it once per request without locking. A request keeps the snapshot it read, so it
 * finishes on the version (and instance) it started on while new requests see the new table.
 */
final class RouteRegistry {
  private record VersionKey(String service, String version) {}

  private final int maxClientsPerVersion;
  private final java.time.Clock clock;
  private final ConcurrentHashMap<VersionKey, VersionMetrics> metrics = new ConcurrentHashMap<>();
  private volatile RouteSnapshot snapshot = RouteSnapshot.EMPTY;

  RouteRegistry(int maxClientsPerVersion) {
    this(maxClientsPerVersion, java.time.Clock.systemUTC());
  }

  /** clock: when clients are seen (the control plane's clock, so last-seen compares with its leases). */
  RouteRegistry(int maxClientsPerVersion, java.time.Clock clock) {
    this.maxClientsPerVersion = maxClientsPerVersion;
    this.clock = clock;
  }

  RouteSnapshot current() {
    return snapshot;
  }

  /**
   * Compiles and installs a service's table. On a bad table (unparsable backend, host or prefix
   * already routed to another service) this throws and the previous routes stay in force.
   */
  synchronized void apply(RouteTable table) {
    ServiceRoute route = ServiceRoute.compile(table, this::metrics);
    snapshot = snapshot.with(route);
  }

  synchronized void remove(String service) {
    snapshot = snapshot.without(service);
  }

  /** Counters since the router started; counters outlive their service's routes. */
  VersionStats stats(String service, String version) {
    VersionMetrics m = metrics.get(new VersionKey(service, version));
    return m == null ? VersionStats.empty() : m.snapshot();
  }

  VersionMetrics metrics(String service, String version) {
    return metrics.computeIfAbsent(new VersionKey(service, version), k -> new VersionMetrics(maxClientsPerVersion, clock));
  }
}
