package dev.gantry.core.analysis;

/**
 * One-sided test for two proportions: is the canary's error rate higher than the stable version's by more
 * than a tolerance? Uses the Agresti–Caffo adjusted Wald statistic (one success and one failure added to
 * each arm), whose error rates stay at or below the nominal level for the small counts a canary starts
 * with, where the plain Wald test is too eager (a canary's first few errors would otherwise fail it).
 *
 * <pre>
 *   p̃ = (x + 1) / (n + 2)       z = (p̃_canary − p̃_stable − tolerance) / sqrt(Σ p̃(1 − p̃) / (n + 2))
 *   H0: p_canary ≤ p_stable + tolerance;   p-value = P(Z &gt; z)
 * </pre>
 */
public final class TwoProportions {
  private TwoProportions() {}

  /** The statistic and its one-sided p-value. */
  public record Result(double canaryRate, double stableRate, double z, double pValue) {}

  /**
   * @param canaryErrors errors among canaryRequests
   * @param tolerance the increase of the error rate (absolute, 0..1) that is still acceptable
   */
  public static Result test(long canaryErrors, long canaryRequests, long stableErrors, long stableRequests,
      double tolerance) {
    if (canaryRequests < 0 || stableRequests < 0 || canaryErrors < 0 || stableErrors < 0
        || canaryErrors > canaryRequests || stableErrors > stableRequests) {
      throw new IllegalArgumentException("counts: canary " + canaryErrors + "/" + canaryRequests + ", stable "
          + stableErrors + "/" + stableRequests + " (expected: 0 <= errors <= requests)");
    }
    double pc = (canaryErrors + 1.0) / (canaryRequests + 2.0);
    double ps = (stableErrors + 1.0) / (stableRequests + 2.0);
    double se = Math.sqrt(pc * (1 - pc) / (canaryRequests + 2.0) + ps * (1 - ps) / (stableRequests + 2.0));
    double z = (pc - ps - tolerance) / se;
    double rc = canaryRequests == 0 ? 0 : (double) canaryErrors / canaryRequests;
    double rs = stableRequests == 0 ? 0 : (double) stableErrors / stableRequests;
    return new Result(rc, rs, z, Normal.upperTail(z));
  }
}
