package dev.gantry.runtime.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Free TCP ports on the loopback interface. The kernel picks the port ({@code bind(0)}); the socket is closed
 * again before the instance binds it, so another program could take it in between. The window is a few
 * milliseconds and the instance then fails to bind and is restarted on a fresh port by the supervisor.
 */
final class LoopbackPorts {
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private LoopbackPorts() {}

  /** A port the kernel considers free right now. */
  static int any() {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port: " + e.getMessage(), e);
    }
  }

  /**
   * True when a server socket can bind {@code port} on loopback now. The probe sets {@code SO_REUSEADDR}, as
   * Java's server sockets, Netty, Go's {@code net.Listen} and nginx do on Unix: connections of the previous
   * process lingering in TIME_WAIT then do not count, so a restarted instance keeps its port. A service that binds
   * without it fails to bind, is restarted after the backoff, and gets its port once TIME_WAIT is over (60 s).
   */
  static boolean isFree(int port) {
    if (port <= 0 || port > 65_535) {
      return false;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(LOOPBACK, port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
