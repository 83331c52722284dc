package dev.gantry.runtime.process;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until a deadline: the tests wait for real processes, never for a fixed time. */
final class Await {
  /**
   * Generous, because a JVM starting on a 2-core machine shared with other builds can take several seconds; a
   * passing test never waits for it.
   */
  static final Duration PATIENCE = Duration.ofSeconds(60);

  private Await() {}

  static void until(String what, BooleanSupplier condition) {
    until(PATIENCE, what, condition);
  }

  static void until(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("gave up after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting for " + what);
      }
    }
  }
}
