package dev.gantry.router;

import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cumulative counters of one version of one service: requests, 5xx answers, a latency histogram and
 * the client identities seen.
 *
 * <p>Every event loop records into the same instance, so all fields are lock-free concurrent
 * counters; a snapshot is not atomic across fields (a request may be in {@code requests} but not
 * yet in the histogram), which is harmless for the rates the control plane computes.
 */
final class VersionMetrics {
  /** Longer client ids are cut: an id is an API key name or a subject, not a payload. */
  static final int MAX_CLIENT_ID_LENGTH = 128;

  private final LongAdder requests = new LongAdder();
  private final LongAdder errors5xx = new LongAdder();
  private final AtomicLongArray latencyCounts = new AtomicLongArray(LatencyBuckets.counters());
  private final ConcurrentHashMap<String, LongAdder> clients = new ConcurrentHashMap<>();
  /** When each client was last seen (the injected clock, ms): what keeps a version alive in the directory. */
  private final ConcurrentHashMap<String, Long> lastSeen = new ConcurrentHashMap<>();
  /**
   * When each client last addressed the version by its label (header, path or host), not through the default
   * address: what keeps a version alive once it is not the default.
   */
  private final ConcurrentHashMap<String, Long> explicitLastSeen = new ConcurrentHashMap<>();
  private final LongAdder untrackedClientRequests = new LongAdder();
  /**
   * Requests routed to the version and not finished: what a retired version's drain waits for. A LongAdder,
   * as every event loop starts and ends requests; its sum is exact once the loops are quiet.
   */
  private final LongAdder inFlight = new LongAdder();
  private final int maxClients;
  /**
   * The control plane's clock: last-seen times are compared with its leases and retireAfter, so both must
   * read the same time (a test clock in tests, the system clock in production).
   */
  private final Clock clock;

  VersionMetrics(int maxClients) {
    this(maxClients, Clock.systemUTC());
  }

  VersionMetrics(int maxClients, Clock clock) {
    if (maxClients < 0) {
      throw new IllegalArgumentException("maxClients: " + maxClients + " (expected: >= 0)");
    }
    this.maxClients = maxClients;
    this.clock = clock;
  }

  /**
   * Counts one request of a client. Past {@code maxClients} distinct ids, new ids are not tracked
   * (the bound is approximate by at most the number of event loops, as the size check and the insert
   * are not one atomic step); their requests are counted in {@link #untrackedClientRequests()}.
   *
   * @param explicit whether the request addressed this version by its label (see {@link RouteSelection.Routed})
   */
  void recordClient(String clientId, boolean explicit) {
    String id = clientId.length() > MAX_CLIENT_ID_LENGTH ? clientId.substring(0, MAX_CLIENT_ID_LENGTH) : clientId;
    LongAdder count = clients.get(id);
    if (count == null) {
      if (clients.size() >= maxClients) {
        untrackedClientRequests.increment();
        return;
      }
      count = clients.computeIfAbsent(id, k -> new LongAdder());
    }
    count.increment();
    long now = clock.millis();
    Long previous = lastSeen.get(id);
    if (previous == null || now - previous >= 1000) { // second resolution: one map write per client per second
      lastSeen.put(id, now);
    }
    if (explicit) {
      // The same resolution: at most one more write per client per second, none for default-address traffic.
      Long before = explicitLastSeen.get(id);
      if (before == null || now - before >= 1000) {
        explicitLastSeen.put(id, now);
      }
    }
  }

  /** A request was routed to this version (its end calls {@link #ended}, exactly once). */
  void started() {
    inFlight.increment();
  }

  /** A request started on this version ended: answered, failed, or its client went away. */
  void ended() {
    inFlight.decrement();
  }

  long inFlight() {
    return inFlight.sum();
  }

  /** Records a finished request: its status as sent to the client, and its latency. */
  void record(int status, long elapsedNanos) {
    requests.increment();
    if (status >= 500) {
      errors5xx.increment();
    }
    latencyCounts.incrementAndGet(LatencyBuckets.index(elapsedNanos / 1_000));
  }

  /** Requests from client ids seen after the bound was reached. */
  long untrackedClientRequests() {
    return untrackedClientRequests.sum();
  }

  VersionStats snapshot() {
    long[] counts = new long[latencyCounts.length()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = latencyCounts.get(i);
    }
    Map<String, Long> seen = new HashMap<>(clients.size() * 2);
    clients.forEach((id, n) -> seen.put(id, n.sum()));
    return new VersionStats(requests.sum(), errors5xx.sum(), LatencyBuckets.boundsMicros(), counts, Map.copyOf(seen),
        Map.copyOf(lastSeen), Map.copyOf(explicitLastSeen), inFlight.sum());
  }
}
