package example.pricing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.jar.Manifest;

/**
 * Quotes mid prices: {@code GET /price?symbol=EURUSD}; {@code GET /health} (liveness), {@code GET /ready}
 * (readiness) and {@code GET /version}, which reports the Gantry serial stamped into this jar's manifest.
 * Listens on {@code $PORT} (default 8080).
 *
 * <p>A faulty variant for demos and tests is the same jar with a {@code pricing-variant.properties}
 * resource: {@code errorRate} (share of /price requests answered 500), {@code failSymbols} (symbols whose
 * prices always fail: a bug that smoke checks on another symbol miss), {@code latencyMs} (added to each
 * /price request) and {@code ready=false} (readiness never passes). See {@link Variant}.
 */
public final class PricingService {
  private PricingService() {}

  public static void main(String[] args) throws IOException {
    if (args.length > 0 && args[0].equals("--print-serial")) {
      System.out.println(serial());
      return;
    }
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
    Variant variant = Variant.load();
    server.createContext("/health", ex -> reply(ex, 200, "{\"status\":\"UP\"}"));
    server.createContext("/ready", ex -> reply(ex, variant.ready() ? 200 : 503,
        variant.ready() ? "{\"status\":\"READY\"}" : "{\"status\":\"NOT_READY\"}"));
    server.createContext("/version", ex -> reply(ex, 200, "{\"serial\":\"" + serial() + "\"}"));
    server.createContext("/price", ex -> {
      String q = ex.getRequestURI().getQuery();
      String symbol = q != null && q.startsWith("symbol=") ? q.substring(7) : "";
      if (variant.fails(symbol)) {
        reply(ex, 500, "{\"error\":\"pricing engine failure\"}");
        return;
      }
      variant.delay();
      try {
        reply(ex, 200, "{\"symbol\":\"" + symbol + "\",\"mid\":" + Quotes.mid(symbol) + "}");
      } catch (IllegalArgumentException e) {
        reply(ex, 404, "{\"error\":\"" + e.getMessage() + "\"}");
      }
    });
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.start();
    System.out.println("pricing-service " + serial() + " listening on " + port);
  }

  /** The serial Gantry stamped into the manifest, or "unregistered". */
  static String serial() {
    try (InputStream in = PricingService.class.getResourceAsStream("/META-INF/MANIFEST.MF")) {
      if (in != null) {
        String s = new Manifest(in).getMainAttributes().getValue("Gantry-Serial");
        if (s != null) {
          return s;
        }
      }
    } catch (IOException ignored) {
      // fall through
    }
    return "unregistered";
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }
}
