package dev.gantry.router;

import java.net.InetSocketAddress;

/**
 * One instance of a version, as the route table names it ({@code host:port}) and as the router dials
 * it.
 *
 * <p>The address is resolved once, when the route table is applied, on the caller's thread: event
 * loops never block on DNS. A name that does not resolve stays unresolved, and connecting to it fails
 * with a 502 that names it.
 */
record Backend(String hostPort, InetSocketAddress address) {

  /** Parses {@code host:port}, {@code [v6]:port} or {@code v4:port}. */
  static Backend parse(String hostPort) {
    if (hostPort == null) {
      throw new IllegalArgumentException("backend: null (expected: host:port)");
    }
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("backend: '" + hostPort + "' (expected: host:port)");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("backend: '" + hostPort + "' (expected: [ipv6]:port for an IPv6 address)");
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("backend: '" + hostPort + "' has port '" + hostPort.substring(colon + 1)
          + "' (expected: a number 1..65535)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("backend: '" + hostPort + "' has port " + port + " (expected: 1..65535)");
    }
    return new Backend(hostPort, new InetSocketAddress(host, port));
  }

  @Override
  public String toString() {
    return hostPort;
  }
}
