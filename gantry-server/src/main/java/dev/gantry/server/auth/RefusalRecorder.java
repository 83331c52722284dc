package dev.gantry.server.auth;

import dev.gantry.core.ledger.LedgerEvent.RequestRefused;
import dev.gantry.store.JdbcLedgerStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Writes a {@code request.refused} event for every 4xx answer, naming the caller. A caller that is
 * refused more than {@link #PER_SECOND} times a second (a scanner, a broken script) has the excess
 * counted in {@code gantry_refusals_unrecorded_total} instead, so that nobody can fill the ledger
 * by sending garbage.
 */
@Component
public class RefusalRecorder {
  private static final Logger log = LoggerFactory.getLogger(RefusalRecorder.class);

  /** Far above any human or well-behaved robot; far below what would bloat the ledger. */
  static final int PER_SECOND = 50;

  private final JdbcLedgerStore store;
  private final Clock clock;
  private final Counter unrecorded;
  private final ConcurrentHashMap<String, long[]> windows = new ConcurrentHashMap<>();

  RefusalRecorder(JdbcLedgerStore store, Clock clock, MeterRegistry registry) {
    this.store = store;
    this.clock = clock;
    this.unrecorded = Counter.builder("gantry.refusals.unrecorded")
        .description("refused requests over the per-caller recording rate").register(registry);
  }

  public void record(String principal, String method, String path, int status, String reason) {
    long second = clock.millis() / 1000;
    long[] w = windows.compute(principal, (k, v) -> {
      if (v == null || v[0] != second) {
        return new long[] {second, 1};
      }
      v[1]++;
      return v;
    });
    if (w[1] > PER_SECOND) {
      unrecorded.increment();
      return;
    }
    String p = path.length() > 200 ? path.substring(0, 200) : path;
    String r = reason == null ? "" : reason.length() > 300 ? reason.substring(0, 300) : reason;
    try {
      store.append(principal, state -> List.of(new RequestRefused(principal, method, p, status, r)));
    } catch (RuntimeException e) {
      log.warn("could not record a refused request: {}", e.getMessage());
    }
  }
}
