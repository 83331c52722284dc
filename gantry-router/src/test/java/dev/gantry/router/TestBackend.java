package dev.gantry.router;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP backend on 127.0.0.1 (the JDK's {@code HttpServer}) that records what reached it: the
 * requests, and the client ports they came from (one port per connection).
 *
 * <p>The default handler answers {@code 200 <name> <method> <uri>} plus the request body, with
 * {@code X-Backend: <name>}; {@code /status/NNN} answers that status.
 */
final class TestBackend implements AutoCloseable {
  record Seen(String method, String uri, Headers headers, int remotePort) {}

  final String name;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  final Set<Integer> connections = ConcurrentHashMap.newKeySet();
  final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

  private TestBackend(String name, HttpHandler handler) {
    this.name = name;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", exchange -> {
      connections.add(exchange.getRemoteAddress().getPort());
      seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
          exchange.getRequestHeaders(), exchange.getRemoteAddress().getPort()));
      try {
        (handler == null ? (HttpHandler) this::echo : handler).handle(exchange);
      } finally {
        exchange.close();
      }
    });
    server.setExecutor(executor);
    server.start();
  }

  static TestBackend start(String name) {
    return new TestBackend(name, null);
  }

  static TestBackend start(String name, HttpHandler handler) {
    return new TestBackend(name, handler);
  }

  String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private void echo(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    int status = path.startsWith("/status/") ? Integer.parseInt(path.substring("/status/".length())) : 200;
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    byte[] head = (name + " " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n")
        .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("X-Backend", name);
    exchange.getResponseHeaders().set("Content-Type", "text/plain");
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, head.length + body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(head);
      out.write(body);
    }
  }

  /** A host:port nothing listens on (bound, then closed again). */
  static String refusedHostPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
