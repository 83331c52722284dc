package dev.gantry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An auditor verifies while the server keeps appending: each verification judges one snapshot, so appends
 * during it are neither "removed entries" nor projection rows "no entry created".
 */
class LiveAuditTest {
  static List<String> engines() {
    return TestDatabases.engines();
  }

  @ParameterizedTest
  @MethodSource("engines")
  void verificationDuringAppendsJudgesOneSnapshot(String engine) throws Exception {
    try (StoreFixture f = StoreFixture.open(engine, Clock.systemUTC())) {
      for (int i = 0; i < 200; i++) {
        int n = i;
        f.store().append("system", state -> List.<LedgerEvent>of(new LedgerEvent.Halted("svc-" + n, "seed")));
      }
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger appended = new AtomicInteger();
      Thread writer = Thread.ofPlatform().start(() -> {
        for (int i = 0; !stop.get(); i++) {
          int n = i;
          f.store().append("system", state -> List.<LedgerEvent>of(new LedgerEvent.Halted("live-" + n, "while auditing")));
          appended.incrementAndGet();
        }
      });
      try {
        for (int run = 0; run < 15; run++) {
          Report r = LedgerAudit.verify(f.db(), f.key());
          assertThat(r.ok()).as("run %d after %d concurrent appends: %s", run, appended.get(), r).isTrue();
        }
      } finally {
        stop.set(true);
        writer.join();
      }
      assertThat(appended.get()).as("the writer really ran during the audits").isPositive();
    }
  }
}
