package dev.gantry.server.deploy;

import dev.gantry.core.deploy.TrafficRouter;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A working in-memory router for the loop's version tests: keeps the tables applied, and per version the
 * clients "seen" and the requests "in flight" that a test sets.
 */
final class FakeTrafficRouter implements TrafficRouter {
  final Map<String, RouteTable> tables = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Long>> lastSeen = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Long>> explicitLastSeen = new ConcurrentHashMap<>();
  private final Map<String, Long> inFlight = new ConcurrentHashMap<>();

  /** The router saw client call service's version (serial) through the default address at the given time. */
  void seen(String service, String serial, String client, Instant at) {
    lastSeen.computeIfAbsent(service + "/" + serial, k -> new ConcurrentHashMap<>()).put(client, at.toEpochMilli());
  }

  /** The router saw client address service's version (serial) by version (header, path, host) at the given time. */
  void seenByVersion(String service, String serial, String client, Instant at) {
    seen(service, serial, client, at);
    explicitLastSeen.computeIfAbsent(service + "/" + serial, k -> new ConcurrentHashMap<>())
        .put(client, at.toEpochMilli());
  }

  void inFlight(String service, String serial, long n) {
    inFlight.put(service + "/" + serial, n);
  }

  @Override
  public void apply(RouteTable table) {
    tables.put(table.service(), table);
  }

  @Override
  public void remove(String service) {
    tables.remove(service);
  }

  @Override
  public VersionStats stats(String service, String version) {
    String key = service + "/" + version;
    Map<String, Long> seen = new HashMap<>(lastSeen.getOrDefault(key, Map.of()));
    Map<String, Long> counts = new HashMap<>();
    seen.keySet().forEach(c -> counts.put(c, 1L));
    return new VersionStats(0, 0, new long[0], new long[0], counts, seen,
        Map.copyOf(explicitLastSeen.getOrDefault(key, Map.of())), inFlight.getOrDefault(key, 0L));
  }

  @Override
  public String address() {
    return "127.0.0.1:0";
  }

  @Override
  public void close() {}

  static List<String> labels(RouteTable t) {
    return t.versions() == null ? List.of() : List.copyOf(t.versions().labels().keySet());
  }
}
