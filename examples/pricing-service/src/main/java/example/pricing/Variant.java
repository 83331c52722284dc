package example.pricing;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How this build misbehaves, if at all: read from {@code /pricing-variant.properties} in the jar, so a
 * faulty variant is a different artifact (different digest, different serial), as in real life.
 */
record Variant(double errorRate, long latencyMs, boolean ready, java.util.Set<String> failSymbols, long healthyFirst,
    java.util.concurrent.atomic.AtomicLong served) {
  static final String RESOURCE = "/pricing-variant.properties";

  static Variant load() {
    Properties p = new Properties();
    try (InputStream in = Variant.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + RESOURCE, e);
    }
    String symbols = p.getProperty("failSymbols", "").strip();
    return new Variant(Double.parseDouble(p.getProperty("errorRate", "0")),
        Long.parseLong(p.getProperty("latencyMs", "0")), Boolean.parseBoolean(p.getProperty("ready", "true")),
        symbols.isEmpty() ? java.util.Set.of() : java.util.Set.of(symbols.split(",")),
        Long.parseLong(p.getProperty("healthyFirst", "0")), new java.util.concurrent.atomic.AtomicLong());
  }

  /**
   * errorRate of all price requests fail, and every request for a symbol in failSymbols (a bug for some
   * instruments); the first healthyFirst requests of a process never fail (a fault that shows only under load,
   * after the smoke checks passed).
   */
  boolean fails(String symbol) {
    if (served.incrementAndGet() <= healthyFirst) {
      return false;
    }
    return failSymbols.contains(symbol) || (errorRate > 0 && ThreadLocalRandom.current().nextDouble() < errorRate);
  }

  void delay() {
    if (latencyMs > 0) {
      try {
        Thread.sleep(latencyMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
