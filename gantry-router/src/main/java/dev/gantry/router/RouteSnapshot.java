package dev.gantry.router;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * All services' compiled routes at one moment: immutable, so a request that read it once sees one
 * consistent table however often the control plane swaps it.
 *
 * <p>Selection: the {@code Host} header (port stripped, case-insensitive) picks a service exactly;
 * otherwise the longest path prefix that matches whole segments does, and is stripped. Then
 * {@code /~preview} right after the prefix, or {@code X-Gantry-Preview: 1}, picks the preview version
 * instead of the stable one.
 */
final class RouteSnapshot {
  static final RouteSnapshot EMPTY = new RouteSnapshot(Map.of());

  static final String PREVIEW_SEGMENT = "/~preview";

  private final Map<String, ServiceRoute> services;
  private final Map<String, ServiceRoute> byHost;
  /** Longest prefix first, so the first match is the most specific one. */
  private final ServiceRoute[] byPrefix;

  private RouteSnapshot(Map<String, ServiceRoute> services) {
    this.services = services;
    Map<String, ServiceRoute> hosts = new HashMap<>();
    List<ServiceRoute> prefixed = new ArrayList<>();
    for (ServiceRoute r : services.values()) {
      if (r.host() != null) {
        hosts.put(r.host(), r); // unique: with() refuses a host routed to another service
      }
      if (r.prefix() != null) {
        prefixed.add(r); // unique: with() refuses a prefix routed to another service
      }
    }
    prefixed.sort(Comparator.comparingInt((ServiceRoute r) -> r.prefix().length()).reversed());
    this.byHost = Map.copyOf(hosts);
    this.byPrefix = prefixed.toArray(ServiceRoute[]::new);
  }

  /** This snapshot with one service's routes added or replaced; throws if its host or prefix is taken. */
  RouteSnapshot with(ServiceRoute route) {
    for (ServiceRoute other : services.values()) {
      if (other.service().equals(route.service())) {
        continue;
      }
      if (route.host() != null && route.host().equals(other.host())) {
        throw new IllegalArgumentException("host '" + route.host() + "' of service '" + route.service()
            + "' is already routed to service '" + other.service() + "' (expected: one service per host)");
      }
      if (route.prefix() != null && route.prefix().equals(other.prefix())) {
        throw new IllegalArgumentException("path prefix '" + route.prefix() + "/' of service '" + route.service()
            + "' is already routed to service '" + other.service() + "' (expected: one service per prefix)");
      }
    }
    Map<String, ServiceRoute> next = new HashMap<>(services);
    next.put(route.service(), route);
    return new RouteSnapshot(Map.copyOf(next));
  }

  /** This snapshot without a service (the same instance when it is not routed). */
  RouteSnapshot without(String service) {
    if (!services.containsKey(service)) {
      return this;
    }
    Map<String, ServiceRoute> next = new HashMap<>(services);
    next.remove(service);
    return new RouteSnapshot(Map.copyOf(next));
  }

  ServiceRoute service(String name) {
    return services.get(name);
  }

  /**
   * Picks the version for a request.
   *
   * @param hostHeader the {@code Host} header, or null
   * @param uri the request target (origin-form {@code /path?query}, or absolute-form)
   * @param previewHeader whether the request carries {@code X-Gantry-Preview: 1}
   */
  RouteSelection select(String hostHeader, String uri, boolean previewHeader) {
    return select(hostHeader, uri, previewHeader, null);
  }

  /**
   * Picks the version for a request; with a canary in the table, {@code headers} (may be null) decide
   * canary or stable for normal traffic. A canary without instances never takes a request: stable does.
   */
  RouteSelection select(String hostHeader, String uri, boolean previewHeader, io.netty.handler.codec.http.HttpHeaders headers) {
    String host = hostHeader;
    String target = uri;
    if (!target.startsWith("/")) {
      // absolute-form (RFC 9112 §3.2.2): its authority replaces the Host header.
      int scheme = target.indexOf("://");
      if (scheme <= 0) {
        return new RouteSelection.NoRoute("request target '" + uri + "' (expected: /path or an absolute URI)");
      }
      int pathStart = target.indexOf('/', scheme + 3);
      host = target.substring(scheme + 3, pathStart < 0 ? target.length() : pathStart);
      target = pathStart < 0 ? "/" : target.substring(pathStart);
    }
    ServiceRoute route = null;
    String rest = target;
    if (host != null && !byHost.isEmpty()) {
      route = byHost.get(ServiceRoute.hostKey(host));
    }
    String hostLabel = null;
    if (route == null && host != null) {
      // v3.pricing.example (a routed host) or v3.pricing (the service's name) names a version.
      String h = ServiceRoute.hostKey(host);
      int dot = h.indexOf('.');
      if (dot > 1 && h.charAt(0) == 'v' && isLabel(h, 0, dot)) {
        String rest2 = h.substring(dot + 1);
        route = byHost.get(rest2);
        if (route == null) {
          route = services.get(rest2);
        }
        if (route != null) {
          hostLabel = h.substring(0, dot);
        }
      }
    }
    if (route == null) {
      int pathEnd = pathEnd(target);
      for (ServiceRoute r : byPrefix) {
        if (prefixMatches(target, pathEnd, r.prefix())) {
          route = r;
          rest = strip(target, r.prefix().length());
          break;
        }
      }
    }
    if (route == null) {
      return new RouteSelection.NoRoute("no service is routed for host '" + host + "' or path '"
          + target.substring(0, pathEnd(target)) + "'");
    }
    String label = hostLabel;
    if (label == null && headers != null && (!route.labels().isEmpty() || !route.retired().isEmpty())) {
      String named = headers.get(GANTRY_VERSION);
      if (named != null) {
        label = named.trim();
        if (!route.labels().containsKey(label) && !route.retired().containsKey(label)) {
          return new RouteSelection.NoSuchVersion("service '" + route.service() + "' has no version '" + label
              + "' (versions: " + new java.util.TreeSet<>(route.labels().keySet()) + ")");
        }
      }
    }
    if (label == null && rest.length() > 2 && rest.charAt(1) == 'v') {
      int end = 2;
      while (end < rest.length() && rest.charAt(end) >= '0' && rest.charAt(end) <= '9') {
        end++;
      }
      String candidate = rest.substring(1, end);
      if (end > 2 && (end == rest.length() || rest.charAt(end) == '/' || rest.charAt(end) == '?')
          && (route.labels().containsKey(candidate) || route.retired().containsKey(candidate))) {
        // Only a label the service has: its own /v1/... API paths pass through untouched otherwise.
        label = candidate;
        rest = strip(rest, end);
      }
    }
    if (label != null) {
      if (route.retired().containsKey(label)) {
        return new RouteSelection.Gone(route.service(), label, route.retired().get(label));
      }
      VersionRoute v = route.labels().get(label);
      if (v == null || v.backendCount() == 0) {
        return new RouteSelection.NoVersion(route.service(), "version '" + label + "' of service '" + route.service()
            + "' has no instances");
      }
      return new RouteSelection.Routed(v, rest, true); // addressed by version
    }
    boolean preview = previewHeader;
    if (rest.startsWith(PREVIEW_SEGMENT) && (rest.length() == PREVIEW_SEGMENT.length()
        || rest.charAt(PREVIEW_SEGMENT.length()) == '/' || rest.charAt(PREVIEW_SEGMENT.length()) == '?')) {
      preview = true;
      rest = strip(rest, PREVIEW_SEGMENT.length());
    }
    VersionRoute version = preview ? route.preview() : route.stable();
    if (!preview && route.canary() != null && route.canary().backendCount() > 0 && route.split().toCanary(headers)) {
      version = route.canary();
    }
    if (version == null) {
      return new RouteSelection.NoVersion(route.service(), "service '" + route.service() + "' has no "
          + (preview ? "preview" : "stable") + " version");
    }
    if (version.backendCount() == 0) {
      return new RouteSelection.NoVersion(route.service(), "version '" + version.version() + "' of service '"
          + route.service() + "' has no instances");
    }
    return new RouteSelection.Routed(version, rest, false); // the default address (or preview, canary)
  }

  static final String GANTRY_VERSION = "Gantry-Version";

  private static boolean isLabel(String s, int from, int to) {
    if (to - from < 2 || s.charAt(from) != 'v') {
      return false;
    }
    for (int i = from + 1; i < to; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static int pathEnd(String target) {
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == '?' || c == '#') {
        return i;
      }
    }
    return target.length();
  }

  /** Whole segments only: {@code /pricing} matches {@code /pricing} and {@code /pricing/x}, not {@code /pricingx}. */
  private static boolean prefixMatches(String path, int pathEnd, String prefix) {
    int n = prefix.length();
    if (n == 0) {
      return true;
    }
    return n <= pathEnd && path.startsWith(prefix) && (n == pathEnd || path.charAt(n) == '/');
  }

  private static String strip(String target, int n) {
    if (n == 0) {
      return target;
    }
    String rest = target.substring(n);
    return rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
  }
}
