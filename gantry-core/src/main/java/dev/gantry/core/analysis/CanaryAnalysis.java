package dev.gantry.core.analysis;

import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One analysis run: the canary against the stable version over the same window of router counters.
 * Two metrics, each pass, fail or inconclusive: the 5xx rate ({@link TwoProportions}) and latency
 * ({@link MannWhitney}). A metric with fewer than {@code minRequests} in either arm is inconclusive,
 * never a pass. The run fails when any metric fails, is inconclusive when any is, and passes otherwise.
 *
 * <p><b>Significance over a whole canary.</b> Background analysis tests the same canary again and again
 * as data accumulates; testing each time at level α would fail a healthy canary far more often than α.
 * So the configured significance α is spent over the runs, each metric over its own: the k-th run in which
 * a metric is actually tested tests it at {@code α/2 · 6/(π² k²)}. Per metric the sum over all k is α/2
 * (Bonferroni over the series Σ 1/k² = π²/6), for both α, so the chance that a canary with no real
 * difference fails, however long it runs, is at most α; and each metric's first tests, which matter most
 * for a fast pull, get the largest share. The counts are separate because the metrics are not tested in
 * the same runs: during the latency warm-up only the error rate is, and those runs must not use up
 * latency's budget (its first test would otherwise come at a level hundreds of times smaller).
 */
public final class CanaryAnalysis {
  private CanaryAnalysis() {}

  /** pass, fail or inconclusive. */
  public enum Verdict {
    PASS,
    FAIL,
    INCONCLUSIVE;

    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * How to judge a canary.
   *
   * @param interval how often background analysis runs
   * @param significance α: the largest acceptable chance of failing a canary that is as good as stable
   * @param minRequests per arm, before a metric is tested at all
   * @param maxErrorRateIncrease tolerance: how much higher (absolute, e.g. 0.005 = half a percentage point) the
   *     canary's 5xx rate may be
   * @param maxLatencyRatio tolerance: how much slower the canary may be (1.25 = 25 %), rounded to the router
   *     histogram's resolution (steps of 10^0.1 ≈ 1.26)
   * @param inconclusiveTimeout how long the analysis may stay inconclusive before the canary pauses for a human
   * @param latencyWarmup how long after the canary starts its latency begins to count: fresh processes (a JVM
   *     before its JIT has compiled the hot paths) are slower than a warmed stable version for their first
   *     seconds, which is not the regression the test looks for. Errors count from the first request.
   * @param latencyFloor an increase smaller than this is never a regression, whatever the ratio (a
   *     sub-millisecond service doubling to 1.2 ms is usually noise of a fresh process, not a fault)
   */
  public record Settings(Duration interval, double significance, int minRequests, double maxErrorRateIncrease,
      double maxLatencyRatio, Duration inconclusiveTimeout, Duration latencyWarmup, Duration latencyFloor) {

    public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(2), 0.05, 50, 0.005, 1.25,
        Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMillis(2));

    public Settings(Duration interval, double significance, int minRequests, double maxErrorRateIncrease,
        double maxLatencyRatio, Duration inconclusiveTimeout) {
      this(interval, significance, minRequests, maxErrorRateIncrease, maxLatencyRatio, inconclusiveTimeout,
          Duration.ZERO, Duration.ZERO);
    }

    /**
     * Per histogram bucket, the bucket a stable latency moves to under the tolerance: the first bound at
     * least max(bound × maxLatencyRatio, bound + latencyFloor) (within 1 %, the rounding of the R10 bounds).
     */
    public int[] toleranceMap(long[] boundsMicros) {
      int[] to = new int[boundsMicros.length + 1];
      long floor = latencyFloor.toNanos() / 1000;
      for (int i = 0; i < boundsMicros.length; i++) {
        double target = Math.max(boundsMicros[i] * maxLatencyRatio, boundsMicros[i] + floor) * 0.99;
        int j = i;
        while (j < boundsMicros.length && boundsMicros[j] < target) {
          j++;
        }
        to[i] = j;
      }
      to[boundsMicros.length] = boundsMicros.length;
      return to;
    }

    /** The tolerance as whole histogram buckets (the bounds grow by 10^0.1 per bucket). */
    public int latencyShiftBuckets() {
      return (int) Math.round(10 * Math.log10(maxLatencyRatio));
    }
  }

  /** One metric's outcome with the numbers behind it (decimals as text, so the ledger keeps them exactly). */
  public record Metric(String name, Verdict verdict, String detail, Map<String, String> numbers) {}

  /** The run's verdict and its metrics; {@code tested} says whether the run had data enough to test. */
  public record Result(Verdict verdict, boolean tested, String summary, List<Metric> metrics) {}

  /**
   * How many earlier runs of a canary tested each metric (a metric is tested when its verdict is pass or
   * fail): the k of each metric's spending.
   */
  public record TestedRuns(int errorRate, int latency) {
    public static final TestedRuns NONE = new TestedRuns(0, 0);

    public TestedRuns {
      if (errorRate < 0 || latency < 0) {
        throw new IllegalArgumentException("tested runs: " + errorRate + ", " + latency + " (expected: >= 0)");
      }
    }

    /** The counts after one more run. */
    public TestedRuns after(Result r) {
      return new TestedRuns(errorRate + (tested(r, "error-rate") ? 1 : 0), latency + (tested(r, "latency") ? 1 : 0));
    }

    private static boolean tested(Result r, String metric) {
      return r.metrics().stream().anyMatch(m -> m.name().equals(metric) && m.verdict() != Verdict.INCONCLUSIVE);
    }
  }

  /** The level at which the k-th tested run (1-based) of one metric tests it. */
  public static double levelForRun(double significance, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("run: " + k + " (expected: >= 1)");
    }
    return significance / 2 * 6 / (Math.PI * Math.PI * k * (double) k);
  }

  /**
   * Judges one window.
   *
   * @param canary the canary's counters over the window
   * @param stable the stable version's counters over the same window
   * @param priorTestedRuns how many earlier runs of this canary had data enough to test (for the spending)
   */
  public static Result analyze(VersionStats canary, VersionStats stable, Settings s, int priorTestedRuns) {
    return analyze(canary, stable, canary, stable, s, new TestedRuns(priorTestedRuns, priorTestedRuns));
  }

  /** Judges one window, with latency over its own window; each metric as if tested in priorTestedRuns runs. */
  public static Result analyze(VersionStats canary, VersionStats stable, VersionStats latencyCanary,
      VersionStats latencyStable, Settings s, int priorTestedRuns) {
    return analyze(canary, stable, latencyCanary, latencyStable, s, new TestedRuns(priorTestedRuns, priorTestedRuns));
  }

  /**
   * Judges one window, with latency over its own window (after the warm-up; null while warming up).
   *
   * @param prior how many earlier runs of this canary tested each metric (for each metric's spending)
   */
  public static Result analyze(VersionStats canary, VersionStats stable, VersionStats latencyCanary,
      VersionStats latencyStable, Settings s, TestedRuns prior) {
    List<Metric> metrics = new ArrayList<>();
    boolean enough = canary.requests() >= s.minRequests() && stable.requests() >= s.minRequests();
    if (!enough) {
      String why = tooLittle(canary, stable, s);
      metrics.add(new Metric("error-rate", Verdict.INCONCLUSIVE, why, errorNumbers(canary, stable)));
      metrics.add(new Metric("latency", Verdict.INCONCLUSIVE, why, latencyCanary == null ? new LinkedHashMap<>()
          : latencyNumbers(latencyCanary, latencyStable)));
      return new Result(Verdict.INCONCLUSIVE, false, why, metrics);
    }
    double level = levelForRun(s.significance(), prior.errorRate() + 1);

    TwoProportions.Result e = TwoProportions.test(canary.errors5xx(), canary.requests(), stable.errors5xx(),
        stable.requests(), s.maxErrorRateIncrease());
    Map<String, String> en = errorNumbers(canary, stable);
    en.put("z", num(e.z()));
    en.put("pValue", num(e.pValue()));
    en.put("level", num(level));
    en.put("tolerance", num(s.maxErrorRateIncrease()));
    boolean errorFails = e.pValue() < level;
    metrics.add(new Metric("error-rate", errorFails ? Verdict.FAIL : Verdict.PASS, String.format(Locale.ROOT,
        "5xx rate %s (%d/%d) vs stable %s (%d/%d): p=%s %s %s", pct(e.canaryRate()), canary.errors5xx(),
        canary.requests(), pct(e.stableRate()), stable.errors5xx(), stable.requests(), num(e.pValue()),
        errorFails ? "<" : ">=", num(level)), en));

    Metric latency = latencyMetric(latencyCanary, latencyStable, s, levelForRun(s.significance(), prior.latency() + 1));
    metrics.add(latency);
    boolean latencyFails = latency.verdict() == Verdict.FAIL;
    Verdict v = errorFails || latencyFails ? Verdict.FAIL
        : latency.verdict() == Verdict.INCONCLUSIVE ? Verdict.INCONCLUSIVE : Verdict.PASS;
    String summary = switch (v) {
      case PASS -> "canary as good as stable";
      case INCONCLUSIVE -> "error rate passes; latency: " + latency.detail();
      case FAIL -> metrics.stream().filter(m -> m.verdict() == Verdict.FAIL).map(m -> m.name() + ": " + m.detail())
          .reduce((a, b) -> a + "; " + b).orElseThrow();
    };
    return new Result(v, true, summary, metrics);
  }

  private static String tooLittle(VersionStats canary, VersionStats stable, Settings s) {
    return "too little data: canary " + canary.requests() + ", stable " + stable.requests()
        + " requests (expected: at least " + s.minRequests() + " each)";
  }

  private static Metric latencyMetric(VersionStats canary, VersionStats stable, Settings s, double level) {
    if (canary == null) {
      return new Metric("latency", Verdict.INCONCLUSIVE, "warming up (latency counts " + s.latencyWarmup().toSeconds()
          + " s after the canary starts)", new LinkedHashMap<>());
    }
    if (canary.requests() < s.minRequests() || stable.requests() < s.minRequests()) {
      return new Metric("latency", Verdict.INCONCLUSIVE, tooLittle(canary, stable, s) + " since the warm-up",
          latencyNumbers(canary, stable));
    }
    long[] c = counts(canary);
    long[] st = counts(stable);
    MannWhitney.Result l = canary.latencyBucketsMicros().length + 1 == c.length
        ? MannWhitney.test(c, st, s.toleranceMap(canary.latencyBucketsMicros()))
        : MannWhitney.test(c, st, s.latencyShiftBuckets());
    Map<String, String> ln = latencyNumbers(canary, stable);
    if (Double.isNaN(l.pValue())) {
      // Requests counted but no latency recorded for an arm: inconclusive, never a pass.
      return new Metric("latency", Verdict.INCONCLUSIVE, "no latency observations (canary " + sum(c) + ", stable "
          + sum(st) + " in the histograms)", ln);
    }
    ln.put("u", num(l.u()));
    ln.put("z", num(l.z()));
    ln.put("pValue", num(l.pValue()));
    ln.put("level", num(level));
    ln.put("probabilityCanarySlower", num(l.probabilityCanarySlower()));
    ln.put("toleranceRatio", num(s.maxLatencyRatio()));
    ln.put("toleranceFloorMicros", Long.toString(s.latencyFloor().toNanos() / 1000));
    boolean fails = l.pValue() < level;
    return new Metric("latency", fails ? Verdict.FAIL : Verdict.PASS, String.format(Locale.ROOT,
        "median %d µs vs stable %d µs, p99 %d µs vs %d µs: p=%s %s %s", canary.quantileMicros(0.5),
        stable.quantileMicros(0.5), canary.quantileMicros(0.99), stable.quantileMicros(0.99), num(l.pValue()),
        fails ? "<" : ">=", num(level)), ln);
  }

  private static long sum(long[] counts) {
    long n = 0;
    for (long c : counts) {
      n += c;
    }
    return n;
  }

  private static long[] counts(VersionStats v) {
    return v.latencyCounts().length == 0 ? new long[1] : v.latencyCounts();
  }

  private static Map<String, String> errorNumbers(VersionStats canary, VersionStats stable) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("canaryRequests", Long.toString(canary.requests()));
    m.put("canaryErrors", Long.toString(canary.errors5xx()));
    m.put("stableRequests", Long.toString(stable.requests()));
    m.put("stableErrors", Long.toString(stable.errors5xx()));
    return m;
  }

  private static Map<String, String> latencyNumbers(VersionStats canary, VersionStats stable) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("canaryRequests", Long.toString(canary.requests()));
    m.put("stableRequests", Long.toString(stable.requests()));
    m.put("canaryP50Micros", Long.toString(canary.quantileMicros(0.5)));
    m.put("stableP50Micros", Long.toString(stable.quantileMicros(0.5)));
    m.put("canaryP99Micros", Long.toString(canary.quantileMicros(0.99)));
    m.put("stableP99Micros", Long.toString(stable.quantileMicros(0.99)));
    return m;
  }

  private static String pct(double rate) {
    return String.format(Locale.ROOT, "%.2f%%", rate * 100);
  }

  /** Six significant digits: enough to re-check a verdict, stable across JVMs. */
  static String num(double d) {
    if (Double.isInfinite(d) || Double.isNaN(d)) {
      return String.valueOf(d);
    }
    return new java.math.BigDecimal(d).round(new java.math.MathContext(6)).stripTrailingZeros().toString();
  }
}
