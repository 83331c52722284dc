package dev.gantry.core.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.analysis.CanaryAnalysis.Result;
import dev.gantry.core.analysis.CanaryAnalysis.Settings;
import dev.gantry.core.analysis.CanaryAnalysis.Verdict;
import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The statistical tests on seeded synthetic traffic, bucketed exactly as the router buckets it. Each
 * trial draws a fresh canary and stable window; the seed of every assertion is in its message.
 */
class CanaryAnalysisTest {
  static final long SEED = Long.getLong("gantry.seed", 20261201L);
  static final int TRIALS = 1000;
  static final Settings SETTINGS = new Settings(Duration.ofSeconds(1), 0.05, 50, 0.005, 1.25, Duration.ofMinutes(5));
  /** The router's histogram bounds (R10 series, 100 µs to 60 s). */
  static final long[] BOUNDS = bounds();

  static long[] bounds() {
    long[] m = {100, 125, 160, 200, 250, 315, 400, 500, 630, 800};
    long[] out = new long[64];
    int n = 0;
    for (long scale = 1; ; scale *= 10) {
      for (long x : m) {
        if (x * scale >= 60_000_000L) {
          out[n++] = 60_000_000L;
          return Arrays.copyOf(out, n);
        }
        out[n++] = x * scale;
      }
    }
  }

  /** A window of n requests: errors with probability errorRate, latency log-normal around medianMicros. */
  static VersionStats window(SplittableRandom rnd, int n, double errorRate, double medianMicros) {
    long[] counts = new long[BOUNDS.length + 1];
    long errors = 0;
    for (int i = 0; i < n; i++) {
      if (rnd.nextDouble() < errorRate) {
        errors++;
      }
      double micros = medianMicros * Math.exp(0.5 * gaussian(rnd));
      int b = 0;
      while (b < BOUNDS.length && BOUNDS[b] < micros) {
        b++;
      }
      counts[b]++;
    }
    return new VersionStats(n, errors, BOUNDS, counts, Map.of());
  }

  static double gaussian(SplittableRandom rnd) {
    // Box–Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default, keep it explicit.
    double u = rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }

  @Test
  void noRealDifferenceFailsAtMostTheSignificanceInASingleRun() {
    for (double baseline : new double[] {0.0, 0.001, 0.01, 0.05}) {
      for (int n : new int[] {50, 200, 1000}) {
        SplittableRandom rnd = new SplittableRandom(SEED ^ Double.hashCode(baseline) ^ n);
        int failures = 0;
        for (int t = 0; t < TRIALS; t++) {
          Result r = CanaryAnalysis.analyze(window(rnd, n, baseline, 2000), window(rnd, 9 * n, baseline, 2000), SETTINGS, 0);
          if (r.verdict() == Verdict.FAIL) {
            failures++;
          }
        }
        assertThat(failures / (double) TRIALS).as("seed %d, baseline %s, n %d", SEED, baseline, n)
            .isLessThanOrEqualTo(SETTINGS.significance());
      }
    }
  }

  @Test
  void noRealDifferenceFailsAtMostTheSignificanceOverAWholeCanaryOfRepeatedRuns() {
    // The realistic case: background analysis every interval over a growing window, 20 runs per canary.
    SplittableRandom rnd = new SplittableRandom(SEED);
    int failedCanaries = 0;
    for (int t = 0; t < TRIALS; t++) {
      VersionStats canary = VersionStats.empty();
      VersionStats stable = VersionStats.empty();
      int tested = 0;
      for (int run = 0; run < 20; run++) {
        canary = plus(canary, window(rnd, 20, 0.01, 2000));
        stable = plus(stable, window(rnd, 180, 0.01, 2000));
        Result r = CanaryAnalysis.analyze(canary, stable, SETTINGS, tested);
        if (r.tested()) {
          tested++;
        }
        if (r.verdict() == Verdict.FAIL) {
          failedCanaries++;
          break;
        }
      }
    }
    assertThat(failedCanaries / (double) TRIALS).as("seed %d", SEED).isLessThanOrEqualTo(SETTINGS.significance());
  }

  /**
   * A canary as the loop runs it with the default warm-up: background analysis every 2 s, latency counted from
   * 30 s on (the first 15 runs test only the error rate), then over its own growing window. minRequests 30 and
   * 30 canary requests per run (10 % of 300), so latency has just enough data at its first run.
   */
  static final Settings WARM = new Settings(Duration.ofSeconds(2), 0.05, 30, 0.005, 1.25, Duration.ofMinutes(5),
      Duration.ofSeconds(30), Duration.ZERO);
  static final int WARMUP_RUNS = 15;

  /**
   * Runs one canary of {@code runs} background runs, counting tested runs as the loop does; returns the run
   * (1-based) whose verdict failed and on which metric, or null if none did.
   */
  static String canaryWithWarmup(SplittableRandom rnd, int runs, double canaryMedian, int stopAfterLatencyRuns) {
    VersionStats canary = VersionStats.empty();
    VersionStats stable = VersionStats.empty();
    VersionStats latencyCanary = VersionStats.empty();
    VersionStats latencyStable = VersionStats.empty();
    CanaryAnalysis.TestedRuns tested = CanaryAnalysis.TestedRuns.NONE;
    for (int run = 1; run <= runs; run++) {
      VersionStats c = window(rnd, 30, 0.01, canaryMedian);
      VersionStats s = window(rnd, 270, 0.01, 2000);
      canary = plus(canary, c);
      stable = plus(stable, s);
      boolean warm = run > WARMUP_RUNS;
      if (warm) {
        latencyCanary = plus(latencyCanary, c);
        latencyStable = plus(latencyStable, s);
      }
      Result r = CanaryAnalysis.analyze(canary, stable, warm ? latencyCanary : null, warm ? latencyStable : null, WARM,
          tested);
      tested = tested.after(r);
      if (r.verdict() == Verdict.FAIL) {
        return run + ":" + r.metrics().stream().filter(m -> m.verdict() == Verdict.FAIL).map(m -> m.name()).reduce((a, b) -> a + "," + b).orElseThrow();
      }
      if (tested.latency() >= stopAfterLatencyRuns) {
        return null;
      }
    }
    return null;
  }

  @Test
  void anEmptyLatencyHistogramIsInconclusiveNotAPass() {
    assertThat(MannWhitney.test(new long[3], new long[] {5, 3, 1}, 0).pValue()).as("nothing to test").isNaN();
    SplittableRandom rnd = new SplittableRandom(SEED + 12);
    VersionStats noLatency = new VersionStats(100, 0, BOUNDS, new long[BOUNDS.length + 1], Map.of());
    Result r = CanaryAnalysis.analyze(noLatency, window(rnd, 900, 0, 2000), SETTINGS, 0);
    assertThat(r.metrics().get(0).verdict()).isEqualTo(Verdict.PASS);
    assertThat(r.metrics().get(1).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(r.metrics().get(1).detail()).contains("no latency observations");
    assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    VersionStats noHistogram = new VersionStats(100, 0, new long[0], new long[0], Map.of());
    assertThat(CanaryAnalysis.analyze(noHistogram, noHistogram, SETTINGS, 0).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
  }

  /** The warm-up's runs test only the error rate: they must not use up latency's share of α. */
  @Test
  void latencyIsTestedAtItsFirstRunsLevelAfterTheWarmUp() {
    SplittableRandom rnd = new SplittableRandom(SEED + 9);
    CanaryAnalysis.TestedRuns tested = CanaryAnalysis.TestedRuns.NONE;
    for (int run = 0; run < WARMUP_RUNS; run++) {
      tested = tested.after(CanaryAnalysis.analyze(window(rnd, 30, 0, 2000), window(rnd, 270, 0, 2000), null, null,
          WARM, tested));
    }
    assertThat(tested).isEqualTo(new CanaryAnalysis.TestedRuns(WARMUP_RUNS, 0));
    Result first = CanaryAnalysis.analyze(window(rnd, 30, 0, 2000), window(rnd, 270, 0, 2000), window(rnd, 30, 0, 2000),
        window(rnd, 270, 0, 2000), WARM, tested);
    assertThat(first.metrics().get(0).numbers().get("level"))
        .isEqualTo(CanaryAnalysis.num(CanaryAnalysis.levelForRun(0.05, WARMUP_RUNS + 1)));
    assertThat(first.metrics().get(1).numbers().get("level")).as("latency's first tested run")
        .isEqualTo(CanaryAnalysis.num(CanaryAnalysis.levelForRun(0.05, 1)));
    assertThat(tested.after(first)).isEqualTo(new CanaryAnalysis.TestedRuns(WARMUP_RUNS + 1, 1));
  }

  @Test
  void noRealDifferenceFailsAtMostTheSignificanceOverWholeCanariesWithTheLatencyWarmUp() {
    SplittableRandom rnd = new SplittableRandom(SEED + 10);
    int failed = 0;
    for (int t = 0; t < TRIALS; t++) {
      if (canaryWithWarmup(rnd, 40, 2000, Integer.MAX_VALUE) != null) {
        failed++;
      }
    }
    assertThat(failed / (double) TRIALS).as("seed %d", SEED + 10).isLessThanOrEqualTo(WARM.significance());
  }

  /** A doubled latency is caught on latency's first tested run after the warm-up, at minRequests. */
  @Test
  void doubledLatencyIsCaughtAtTheFirstRunAfterTheWarmUp() {
    SplittableRandom rnd = new SplittableRandom(SEED + 11);
    int caught = 0;
    for (int t = 0; t < TRIALS; t++) {
      String failed = canaryWithWarmup(rnd, WARMUP_RUNS + 1, 4000, 1);
      if ((WARMUP_RUNS + 1 + ":latency").equals(failed)) {
        caught++;
      }
    }
    assertThat(caught / (double) TRIALS).as("seed %d", SEED + 11).isGreaterThanOrEqualTo(0.95);
  }

  /** Documented in docs/canary.md: with minRequests 200 a 10x error rate (1 % → 10 %) is caught on the first run. */
  @Test
  void tenfoldErrorRateIsCaughtAtTheDocumentedSampleSize() {
    Settings s = new Settings(Duration.ofSeconds(1), 0.05, 200, 0.005, 1.25, Duration.ofMinutes(5));
    SplittableRandom rnd = new SplittableRandom(SEED + 1);
    int caught = 0;
    for (int t = 0; t < TRIALS; t++) {
      Result r = CanaryAnalysis.analyze(window(rnd, 200, 0.10, 2000), window(rnd, 1800, 0.01, 2000), s, 0);
      if (r.verdict() == Verdict.FAIL && r.metrics().get(0).verdict() == Verdict.FAIL) {
        caught++;
      }
    }
    assertThat(caught / (double) TRIALS).as("seed %d", SEED + 1).isGreaterThanOrEqualTo(0.95);
  }

  /** Documented: with the default minRequests 50, a doubled latency is caught on the first run. */
  @Test
  void doubledLatencyIsCaughtAtTheDocumentedSampleSize() {
    SplittableRandom rnd = new SplittableRandom(SEED + 2);
    int caught = 0;
    for (int t = 0; t < TRIALS; t++) {
      Result r = CanaryAnalysis.analyze(window(rnd, 50, 0, 4000), window(rnd, 450, 0, 2000), SETTINGS, 0);
      if (r.metrics().get(1).verdict() == Verdict.FAIL) {
        caught++;
      }
    }
    assertThat(caught / (double) TRIALS).as("seed %d", SEED + 2).isGreaterThanOrEqualTo(0.95);
  }

  /** The benchmark's case: a canary failing 20 % of its requests against a clean stable, at 50 requests. */
  @Test
  void twentyPercentFailuresAgainstACleanStableAreCaughtAtFiftyRequests() {
    SplittableRandom rnd = new SplittableRandom(SEED + 3);
    int caught = 0;
    for (int t = 0; t < TRIALS; t++) {
      if (CanaryAnalysis.analyze(window(rnd, 50, 0.20, 2000), window(rnd, 450, 0, 2000), SETTINGS, 0).verdict()
          == Verdict.FAIL) {
        caught++;
      }
    }
    assertThat(caught / (double) TRIALS).as("seed %d", SEED + 3).isGreaterThanOrEqualTo(0.99);
  }

  @Test
  void tooLittleDataIsInconclusiveNotAPass() {
    SplittableRandom rnd = new SplittableRandom(SEED + 4);
    Result r = CanaryAnalysis.analyze(window(rnd, 49, 0.5, 2000), window(rnd, 1000, 0, 2000), SETTINGS, 0);
    assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(r.tested()).isFalse();
    assertThat(r.summary()).contains("too little data: canary 49");
  }

  @Test
  void latencyWithinTheToleranceIsNotAFailure() {
    SplittableRandom rnd = new SplittableRandom(SEED + 5);
    int failures = 0;
    for (int t = 0; t < TRIALS; t++) {
      // 10 % slower, tolerance 25 %: not a failure, however much data.
      if (CanaryAnalysis.analyze(window(rnd, 500, 0, 2200), window(rnd, 4500, 0, 2000), SETTINGS, 0).verdict()
          == Verdict.FAIL) {
        failures++;
      }
    }
    assertThat(failures / (double) TRIALS).as("seed %d", SEED + 5).isLessThanOrEqualTo(SETTINGS.significance());
  }

  @Test
  void spendingSumsToTheSignificance() {
    double sum = 0;
    for (int k = 1; k < 1_000_000; k++) {
      sum += 2 * CanaryAnalysis.levelForRun(0.05, k);
    }
    assertThat(sum).isLessThanOrEqualTo(0.05).isGreaterThan(0.0499);
  }

  @Test
  void numbersBehindTheVerdictAreKept() {
    SplittableRandom rnd = new SplittableRandom(SEED + 6);
    Result r = CanaryAnalysis.analyze(window(rnd, 100, 0.3, 2000), window(rnd, 900, 0, 2000), SETTINGS, 0);
    assertThat(r.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(r.metrics().get(0).numbers()).containsKeys("canaryRequests", "canaryErrors", "z", "pValue", "level");
    assertThat(r.summary()).startsWith("error-rate: 5xx rate");
  }

  @Test
  void normalTailMatchesKnownValues() {
    assertThat(Normal.upperTail(0)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-7));
    assertThat(Normal.upperTail(1.959964)).isCloseTo(0.025, org.assertj.core.data.Offset.offset(1e-7));
    assertThat(Normal.upperTail(-1.644854)).isCloseTo(0.95, org.assertj.core.data.Offset.offset(1e-7));
    assertThat(Normal.upperTail(6) / 9.865876e-10).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
  }

  /** With the defaults (2 ms floor), a doubled 20 ms latency is caught; a fresh process's extra millisecond is not. */
  @Test
  void latencyFloorIgnoresSubMillisecondNoiseButNotRealRegressions() {
    Settings d = Settings.DEFAULTS;
    SplittableRandom rnd = new SplittableRandom(SEED + 7);
    int caught = 0;
    int noise = 0;
    for (int t = 0; t < TRIALS; t++) {
      if (CanaryAnalysis.analyze(window(rnd, 50, 0, 40_000), window(rnd, 450, 0, 20_000), d, 0).metrics().get(1)
          .verdict() == Verdict.FAIL) {
        caught++;
      }
      if (CanaryAnalysis.analyze(window(rnd, 500, 0, 1_500), window(rnd, 4500, 0, 600), d, 0).metrics().get(1)
          .verdict() == Verdict.FAIL) {
        noise++;
      }
    }
    assertThat(caught / (double) TRIALS).as("seed %d", SEED + 7).isGreaterThanOrEqualTo(0.95);
    assertThat(noise / (double) TRIALS).as("seed %d", SEED + 7).isLessThanOrEqualTo(d.significance());
  }

  @Test
  void toleranceMapMovesEachBucketByTheRatioOrTheFloor() {
    Settings ratioOnly = new Settings(Duration.ofSeconds(1), 0.05, 50, 0, 1.25, Duration.ofMinutes(1));
    int[] to = ratioOnly.toleranceMap(BOUNDS);
    for (int i = 0; i < BOUNDS.length - 2; i++) { // the last bounds are capped at 60 s, not R10
      assertThat(to[i]).as("bucket %d (%d µs)", i, BOUNDS[i]).isEqualTo(i + 1);
    }
    Settings floor = new Settings(Duration.ofSeconds(1), 0.05, 50, 0, 1.0, Duration.ofMinutes(1), Duration.ZERO,
        Duration.ofMillis(2));
    int[] f = floor.toleranceMap(BOUNDS);
    assertThat(BOUNDS[f[0]]).as("100 µs + 2 ms").isEqualTo(2_500);
    assertThat(f[BOUNDS.length - 5]).as("far above the floor, the ratio 1.0 keeps the bucket").isEqualTo(BOUNDS.length - 5);
  }

  @Test
  void warmingUpLatencyIsInconclusiveWhileErrorsAlreadyCount() {
    SplittableRandom rnd = new SplittableRandom(SEED + 8);
    Result healthy = CanaryAnalysis.analyze(window(rnd, 100, 0, 2000), window(rnd, 900, 0, 2000), null, null, SETTINGS, 0);
    assertThat(healthy.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(healthy.summary()).contains("warming up");
    Result faulty = CanaryAnalysis.analyze(window(rnd, 100, 0.3, 2000), window(rnd, 900, 0, 2000), null, null, SETTINGS, 0);
    assertThat(faulty.verdict()).isEqualTo(Verdict.FAIL);
  }

  static VersionStats plus(VersionStats a, VersionStats b) {
    if (a.latencyCounts().length == 0) {
      return b;
    }
    long[] c = new long[a.latencyCounts().length];
    for (int i = 0; i < c.length; i++) {
      c[i] = a.latencyCounts()[i] + b.latencyCounts()[i];
    }
    return new VersionStats(a.requests() + b.requests(), a.errors5xx() + b.errors5xx(), BOUNDS, c, Map.of());
  }

  /**
   * Regenerates the power table in docs/canary.md ({@code ./mvnw -pl gantry-core test -Dtest=CanaryAnalysisTest
   * -Dgantry.powerTable=true}): the first tested run, canary at 10 % (stable 9 × n), minRequests = n, the default
   * tolerances and floor, 2,000 trials per cell, seed 1. Off by default: it prints, it does not judge (the
   * assertions above do); the one check is that the table's rows are what the docs claim about their shape.
   */
  @Test
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "gantry.powerTable", matches = "true")
  void powerTable() {
    int trials = 2000;
    StringBuilder out = new StringBuilder("| canary requests n | 1 % → 10 % errors | 0 → 20 % errors"
        + " | 20 ms → 40 ms latency | no difference (1 % errors): fails |\n| ---: | ---: | ---: | ---: | ---: |\n");
    double[] previous = null;
    for (int n : new int[] {30, 50, 100, 200}) {
      Settings s = new Settings(Duration.ofSeconds(2), 0.05, n, 0.005, 1.25, Duration.ofMinutes(5), Duration.ZERO,
          Duration.ofMillis(2));
      SplittableRandom rnd = new SplittableRandom(1);
      double[] rate = new double[4];
      for (int t = 0; t < trials; t++) {
        rate[0] += failed(CanaryAnalysis.analyze(window(rnd, n, 0.10, 20_000), window(rnd, 9 * n, 0.01, 20_000), s, 0));
        rate[1] += failed(CanaryAnalysis.analyze(window(rnd, n, 0.20, 20_000), window(rnd, 9 * n, 0, 20_000), s, 0));
        rate[2] += failed(CanaryAnalysis.analyze(window(rnd, n, 0, 40_000), window(rnd, 9 * n, 0, 20_000), s, 0));
        rate[3] += failed(CanaryAnalysis.analyze(window(rnd, n, 0.01, 20_000), window(rnd, 9 * n, 0.01, 20_000), s, 0));
      }
      for (int i = 0; i < 4; i++) {
        rate[i] /= trials;
      }
      out.append(String.format(java.util.Locale.ROOT, "| %d | %.1f %% | %.1f %% | %.1f %% | %.2f %% |%n", n,
          100 * rate[0], 100 * rate[1], 100 * rate[2], 100 * rate[3]));
      if (previous != null) {
        assertThat(rate[0]).as("power grows with n").isGreaterThanOrEqualTo(previous[0]);
      }
      assertThat(rate[3]).as("n %d", n).isLessThanOrEqualTo(0.05);
      previous = rate;
    }
    System.out.print(out);
  }

  private static int failed(Result r) {
    return r.verdict() == Verdict.FAIL ? 1 : 0;
  }
}
