package dev.gantry.core.analysis;

/**
 * One-sided Mann–Whitney U test on two latency histograms with the same bucket bounds: is the canary
 * stochastically slower than the stable version, beyond a tolerance? This is the test Kayenta's
 * classifier uses; here it runs on the router's histogram, so every observation in a bucket is a tie, and
 * the variance carries the tie correction. The tolerance shifts the stable histogram up by whole buckets
 * (a latency ratio, rounded to the histogram's resolution), so H0 is "canary ≤ stable × tolerance".
 *
 * <pre>
 *   U = Σ_i canary_i · (stable_below_i + ½ stable_i)       (pairs where the canary was slower; ties count ½)
 *   E[U] = n m / 2     Var[U] = n m / 12 · (N + 1 − Σ (t³ − t) / (N (N − 1)))      N = n + m, t = ties per bucket
 *   z = (U − E[U] − ½) / sqrt(Var[U])   (continuity correction)      p-value = P(Z &gt; z)
 * </pre>
 */
public final class MannWhitney {
  private MannWhitney() {}

  /**
   * The statistic, its one-sided p-value and the effect size (probability that a canary request is slower);
   * z, p-value and effect size are NaN when an arm has no observations (no test took place).
   */
  public record Result(double u, double z, double pValue, double probabilityCanarySlower) {}

  /**
   * @param canary requests per bucket of the canary
   * @param stable requests per bucket of the stable version (same bounds)
   * @param shiftBuckets how many buckets the stable histogram moves up before comparing (the tolerance)
   */
  public static Result test(long[] canary, long[] stable, int shiftBuckets) {
    if (shiftBuckets < 0) {
      throw new IllegalArgumentException("shiftBuckets: " + shiftBuckets + " (expected: >= 0)");
    }
    int[] to = new int[stable.length];
    for (int i = 0; i < to.length; i++) {
      to[i] = i + shiftBuckets;
    }
    return test(canary, stable, to);
  }

  /**
   * The same test with the tolerance given per bucket: stable's bucket i counts as bucket {@code to[i]}
   * (at least i; past the last bucket means the last, which is unbounded).
   */
  public static Result test(long[] canary, long[] stable, int[] to) {
    if (canary.length != stable.length || to.length != stable.length) {
      throw new IllegalArgumentException("histograms: " + canary.length + " and " + stable.length
          + " buckets (expected: the same bounds)");
    }
    int k = canary.length;
    long[] shifted = new long[k];
    for (int i = 0; i < k; i++) {
      if (to[i] < i) {
        throw new IllegalArgumentException("to[" + i + "]: " + to[i] + " (expected: >= " + i + ")");
      }
      shifted[Math.min(k - 1, to[i])] += stable[i];
    }
    double n = 0;
    double m = 0;
    for (int i = 0; i < k; i++) {
      n += canary[i];
      m += shifted[i];
    }
    if (n == 0 || m == 0) {
      // No observations in an arm: nothing was tested, which is not "no difference" (p = 1 would read as a pass).
      return new Result(0, Double.NaN, Double.NaN, Double.NaN);
    }
    double u = 0;
    double below = 0;
    double ties = 0;
    for (int i = 0; i < k; i++) {
      u += canary[i] * (below + 0.5 * shifted[i]);
      below += shifted[i];
      double t = canary[i] + shifted[i];
      ties += t * t * t - t;
    }
    double total = n + m;
    double mean = n * m / 2;
    double variance = n * m / 12 * ((total + 1) - ties / (total * (total - 1)));
    if (variance <= 0) {
      // Everything in one bucket: no evidence either way.
      return new Result(u, 0, 1.0, u / (n * m));
    }
    double z = (u - mean - 0.5) / Math.sqrt(variance);
    return new Result(u, z, Normal.upperTail(z), u / (n * m));
  }
}
