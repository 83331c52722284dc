package dev.gantry.router;

/** What the route table says about one request: a version to forward to, or why there is none. */
sealed interface RouteSelection {

  /**
   * Forward to an instance of {@code version}, with the request target rewritten to {@code uri}.
   *
   * @param explicit whether the request addressed the version by its label ({@code Gantry-Version} header,
   *     {@code /SERVICE/vN/} path, {@code vN.HOST} host): only such clients keep a version that is not the
   *     default alive; the default address, the preview route and the canary split are not explicit
   */
  record Routed(VersionRoute version, String uri, boolean explicit) implements RouteSelection {}

  /** No service matches the host or path: 404. */
  record NoRoute(String detail) implements RouteSelection {}

  /** The request names a retired version: 410, naming the successor. */
  record Gone(String service, String label, String successor) implements RouteSelection {}

  /** The request names, by header, a version the service does not have: 404. */
  record NoSuchVersion(String detail) implements RouteSelection {}

  /** A service matches but has no version or no instance to serve this request: 503. */
  record NoVersion(String service, String detail) implements RouteSelection {}
}
