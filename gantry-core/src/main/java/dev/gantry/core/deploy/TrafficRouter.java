package dev.gantry.core.deploy;

import java.util.List;
import java.util.Map;

/**
 * The data plane: routes requests for a service to the instances of its versions, measures every
 * request per version, and sees the clients of each version.
 *
 * <p>{@link #apply} swaps a service's route table atomically: requests in flight finish where they
 * started, new ones use the new table, so a switch under load fails no request.
 */
public interface TrafficRouter extends AutoCloseable {

  /** Installs (or replaces) the route table of one service. */
  void apply(RouteTable table);

  /** Removes a service's routes; its requests then get 404. */
  void remove(String service);

  /** Per-version counters since the router started (callers diff two snapshots for a window). */
  VersionStats stats(String service, String version);

  /** host:port of the listener. */
  String address();

  @Override
  void close();

  /**
   * A service's routes. Requests match the service by {@code Host} header (exact) or by path prefix
   * ({@code /pricing/...}, prefix stripped before forwarding).
   *
   * @param stable the version that serves normal traffic (may be null: no traffic)
   * @param preview the version reachable only through the preview route ({@code X-Gantry-Preview: 1} header
   *     or {@code /SERVICE/~preview/} prefix), used for smoke checks before the switch; may be null
   * @param backends instances per version: version → list of host:port
   * @param serials version → serial, echoed in the {@code X-Gantry-Serial} response header
   * @param canary the canary split of normal traffic, or null (all normal traffic to stable)
   * @param versions the addressable versions of the service (side by side), or null
   */
  record RouteTable(String service, String host, String pathPrefix, String stable, String preview,
      Map<String, List<String>> backends, Map<String, String> serials, Canary canary, Versions versions) {
    public RouteTable {
      backends = Map.copyOf(backends);
      serials = Map.copyOf(serials);
    }

    public RouteTable(String service, String host, String pathPrefix, String stable, String preview,
        Map<String, List<String>> backends, Map<String, String> serials) {
      this(service, host, pathPrefix, stable, preview, backends, serials, null, null);
    }

    public RouteTable(String service, String host, String pathPrefix, String stable, String preview,
        Map<String, List<String>> backends, Map<String, String> serials, Canary canary) {
      this(service, host, pathPrefix, stable, preview, backends, serials, canary, null);
    }
  }

  /**
   * Version addresses: a request names a version by label ({@code v3}) with the {@code Gantry-Version}
   * header, a {@code /SERVICE/v3/...} path or a {@code v3.HOST} host, and reaches that version whatever the
   * default is.
   *
   * @param labels label → version (a key of the table's backends)
   * @param retired label of a retired version → the label of its successor: requests get 410 Gone naming it
   * @param deprecations version → its deprecation: responses carry Deprecation, Sunset and a successor Link
   */
  record Versions(Map<String, String> labels, Map<String, String> retired, Map<String, Deprecation> deprecations) {
    public Versions {
      labels = Map.copyOf(labels);
      retired = Map.copyOf(retired);
      deprecations = Map.copyOf(deprecations);
    }
  }

  /**
   * A version scheduled to retire (RFC 9745 Deprecation, RFC 8594 Sunset).
   *
   * @param deprecatedAt when it stopped being the default (epoch seconds)
   * @param sunsetAt when it retires unless a client or a lease keeps it (epoch seconds)
   * @param successor the label of the version to move to
   */
  record Deprecation(long deprecatedAt, long sunsetAt, String successor) {}

  /**
   * Which normal requests go to the canary version instead of the stable one. In order: a request whose
   * {@code header} has {@code headerValue}, or whose {@code cookie} has {@code cookieValue}, or whose user
   * is in {@code users}, goes to the canary; a request with a user id (from {@code userHeader}, else
   * {@code userCookie}) goes there when the user's sticky bucket (a hash of salt and id, 0..9999) is below
   * weight × 100, so a user keeps one version while the weight holds and only moves to the canary as it
   * grows; a request without a user id goes there with probability weight %.
   *
   * @param salt mixes the buckets per canary (the deployment id), so no user is always first
   */
  record Canary(String version, int weight, String salt, String userHeader, String userCookie, List<String> users,
      String header, String headerValue, String cookie, String cookieValue) {
    public Canary {
      if (weight < 0 || weight > 100) {
        throw new IllegalArgumentException("canary weight: " + weight + " (expected: 0..100)");
      }
      users = List.copyOf(users);
    }
  }

  /**
   * Counters of one version.
   *
   * @param latencyBucketsMicros upper bounds (µs) of the latency histogram buckets
   * @param latencyCounts requests per bucket (same length; the last bucket is unbounded)
   * @param clientLastSeenMillis per client, when it last called the version by any address (epoch ms)
   * @param clientExplicitLastSeenMillis per client, when it last addressed the version by its label (header,
   *     path or host), not through the default address (epoch ms; a subset of the clients)
   * @param inFlight requests routed to the version that have not finished yet (now, not cumulative): a retired
   *     version's instances stop once it is zero
   */
  record VersionStats(long requests, long errors5xx, long[] latencyBucketsMicros, long[] latencyCounts,
      Map<String, Long> clients, Map<String, Long> clientLastSeenMillis, Map<String, Long> clientExplicitLastSeenMillis,
      long inFlight) {

    public VersionStats(long requests, long errors5xx, long[] latencyBucketsMicros, long[] latencyCounts,
        Map<String, Long> clients) {
      this(requests, errors5xx, latencyBucketsMicros, latencyCounts, clients, Map.of(), Map.of(), 0);
    }

    public static VersionStats empty() {
      return new VersionStats(0, 0, new long[0], new long[0], Map.of());
    }

    /** The smallest bucket bound below which at least q of the requests fall (µs), or 0 without data. */
    public long quantileMicros(double q) {
      long total = 0;
      for (long c : latencyCounts) {
        total += c;
      }
      if (total == 0) {
        return 0;
      }
      long need = (long) Math.ceil(q * total);
      long seen = 0;
      for (int i = 0; i < latencyCounts.length; i++) {
        seen += latencyCounts[i];
        if (seen >= need) {
          return i < latencyBucketsMicros.length ? latencyBucketsMicros[i] : Long.MAX_VALUE;
        }
      }
      return Long.MAX_VALUE;
    }

    /** This snapshot minus an earlier one of the same version: the counts of the window between them. */
    public VersionStats minus(VersionStats earlier) {
      if (earlier.latencyCounts.length != latencyCounts.length) {
        return this;
      }
      long[] c = new long[latencyCounts.length];
      for (int i = 0; i < c.length; i++) {
        c[i] = latencyCounts[i] - earlier.latencyCounts[i];
      }
      return new VersionStats(requests - earlier.requests, errors5xx - earlier.errors5xx, latencyBucketsMicros, c,
          clients, clientLastSeenMillis, clientExplicitLastSeenMillis, inFlight);
    }
  }
}
