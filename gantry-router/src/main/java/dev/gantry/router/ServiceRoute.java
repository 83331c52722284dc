package dev.gantry.router;

import dev.gantry.core.deploy.TrafficRouter;
import dev.gantry.core.deploy.TrafficRouter.RouteTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * A service's route table compiled for the request path: a normalized host and path prefix, and the
 * stable and preview versions with parsed backends.
 *
 * @param host lower-case host without port, or null when the service is not routed by host
 * @param prefix {@code ""} for the root prefix, else {@code /segment[/segment...]} without a trailing
 *     slash; null when the service is not routed by path
 */
record ServiceRoute(String service, String host, String prefix, VersionRoute stable, VersionRoute preview,
    VersionRoute canary, CanarySplit split, java.util.Map<String, VersionRoute> labels,
    java.util.Map<String, String> retired) {

  ServiceRoute(String service, String host, String prefix, VersionRoute stable, VersionRoute preview) {
    this(service, host, prefix, stable, preview, null, null, java.util.Map.of(), java.util.Map.of());
  }


  static ServiceRoute compile(RouteTable table, BiFunction<String, String, VersionMetrics> metrics) {
    if (table == null) {
      throw new IllegalArgumentException("route table: null (expected: a table)");
    }
    String service = table.service();
    if (service == null || service.isBlank()) {
      throw new IllegalArgumentException("route table service: '" + service + "' (expected: a service name)");
    }
    if (table.host() == null && table.pathPrefix() == null) {
      throw new IllegalArgumentException("route table of service '" + service
          + "': host and pathPrefix are both null (expected: at least one)");
    }
    String host = table.host() == null ? null : hostKey(table.host());
    if (host != null && host.isEmpty()) {
      throw new IllegalArgumentException("route table of service '" + service + "': host '" + table.host()
          + "' (expected: a host name)");
    }
    String prefix = table.pathPrefix() == null ? null : normalizePrefix(service, table.pathPrefix());
    VersionRoute canary = table.canary() == null ? null : version(table, table.canary().version(), metrics);
    java.util.Map<String, VersionRoute> labels = new java.util.HashMap<>();
    java.util.Map<String, String> retired = java.util.Map.of();
    java.util.Map<String, VersionRoute> byVersion = new java.util.HashMap<>();
    VersionRoute stable = version(table, table.stable(), metrics);
    if (stable != null) {
      byVersion.put(stable.version(), stable);
    }
    if (table.versions() != null) {
      retired = table.versions().retired();
      for (var e : table.versions().labels().entrySet()) {
        if (!e.getKey().matches("v[0-9]{1,9}")) {
          throw new IllegalArgumentException("route table of service '" + service + "': version label '" + e.getKey()
              + "' (expected: v and a number)");
        }
        // One VersionRoute per version, so the default address and the label share counters and cursor.
        labels.put(e.getKey(), byVersion.computeIfAbsent(e.getValue(), v -> version(table, v, metrics)));
      }
      for (var e : table.versions().deprecations().entrySet()) {
        VersionRoute v = byVersion.get(e.getKey());
        if (v != null) {
          TrafficRouter.Deprecation d = e.getValue();
          String link = d.successor() == null ? null : "<" + (prefix == null ? "" : prefix) + "/" + d.successor()
              + "/>; rel=\"successor-version\"";
          v.deprecate(d.deprecatedAt(), d.sunsetAt(), link);
        }
      }
    }
    return new ServiceRoute(service, host, prefix, stable, version(table, table.preview(), metrics), canary,
        canary == null ? null : new CanarySplit(table.canary()), java.util.Map.copyOf(labels), retired);
  }

  private static VersionRoute version(RouteTable table, String version,
      BiFunction<String, String, VersionMetrics> metrics) {
    if (version == null) {
      return null;
    }
    List<String> hostPorts = table.backends().getOrDefault(version, List.of());
    List<Backend> backends = new ArrayList<>(hostPorts.size());
    for (String hostPort : hostPorts) {
      try {
        backends.add(Backend.parse(hostPort));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("route table of service '" + table.service() + "', version '" + version
            + "': " + e.getMessage(), e);
      }
    }
    return new VersionRoute(table.service(), version, table.serials().get(version), backends,
        metrics.apply(table.service(), version));
  }

  /** {@code Pricing.Example:8080} → {@code pricing.example}; {@code [::1]:80} → {@code [::1]}. */
  static String hostKey(String host) {
    String h = host.trim();
    int end;
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      end = close < 0 ? h.length() : close + 1;
    } else {
      int colon = h.indexOf(':');
      end = colon < 0 ? h.length() : colon;
    }
    // toLowerCase returns the same instance when nothing changes: no garbage on the usual path.
    return h.substring(0, end).toLowerCase(Locale.ROOT);
  }

  /** {@code pricing}, {@code /pricing} and {@code /pricing/} → {@code /pricing}; {@code /} → {@code ""}. */
  static String normalizePrefix(String service, String raw) {
    String p = raw.trim();
    int start = 0;
    int end = p.length();
    while (start < end && p.charAt(start) == '/') {
      start++;
    }
    while (end > start && p.charAt(end - 1) == '/') {
      end--;
    }
    String inner = p.substring(start, end);
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      if (c == '?' || c == '#' || c <= ' ' || c >= 0x7f) {
        throw new IllegalArgumentException("route table of service '" + service + "': pathPrefix '" + raw
            + "' has character '" + c + "' at " + i + " (expected: path segments without query, fragment or spaces)");
      }
    }
    if (inner.equals("~preview") || inner.startsWith("~preview/")) {
      throw new IllegalArgumentException("route table of service '" + service + "': pathPrefix '" + raw
          + "' (expected: not starting with the reserved segment ~preview)");
    }
    return inner.isEmpty() ? "" : "/" + inner;
  }
}
