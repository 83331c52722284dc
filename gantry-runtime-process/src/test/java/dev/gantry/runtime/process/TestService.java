package dev.gantry.runtime.process;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A tiny HTTP service the tests run as a real process, packed into a jar by {@link TestJars}. Listens on
 * {@code $PORT}: {@code /health}, {@code /version} ({@code $SERVICE_VERSION}), {@code /env?NAME} (one variable
 * of its environment), {@code /print?tag=a&n=50} (prints n numbered lines to stdout, flushed before it answers).
 *
 * <p>Deliberately a single class without nested classes: the jar holds exactly this one class file.
 */
public final class TestService {
  /** Pads printed lines to about 55 bytes so that rotation limits in the tests are easy to reason about. */
  private static final String PADDING = "................................................";

  private TestService() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv("PORT"));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
    server.createContext("/health", ex -> reply(ex, "UP"));
    server.createContext("/version", ex -> reply(ex, System.getenv().getOrDefault("SERVICE_VERSION", "unknown")));
    server.createContext("/env", ex -> reply(ex, String.valueOf(System.getenv(ex.getRequestURI().getQuery()))));
    server.createContext("/print", ex -> {
      String tag = "line";
      int n = 1;
      String query = ex.getRequestURI().getQuery();
      for (String pair : query == null ? new String[0] : query.split("&")) {
        String[] kv = pair.split("=", 2);
        if (kv[0].equals("tag")) {
          tag = kv[1];
        } else if (kv[0].equals("n")) {
          n = Integer.parseInt(kv[1]);
        }
      }
      for (int i = 0; i < n; i++) {
        System.out.printf("%s-%04d %s%n", tag, i, PADDING);
      }
      System.out.flush();
      reply(ex, "printed " + n);
    });
    server.start();
    System.out.println("test-service listening on " + port);
    System.err.println("test-service stderr is captured too");
  }

  private static void reply(HttpExchange ex, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }
}
