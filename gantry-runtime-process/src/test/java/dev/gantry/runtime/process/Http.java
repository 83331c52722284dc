package dev.gantry.runtime.process;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A bare HTTP/1.0 GET over a fresh socket. No connection pool: a pooled keep-alive connection to a process the
 * test has just killed would make the next request fail for reasons that are not the driver's.
 */
final class Http {
  record Response(int status, String body) {}

  private Http() {}

  static Optional<Response> get(int port, String path) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LoopbackPorts.LOOPBACK, port), 1_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int headerEnd = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.") || headerEnd < 0) {
        return Optional.empty();
      }
      return Optional.of(new Response(Integer.parseInt(text.substring(9, 12)), text.substring(headerEnd + 4)));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
