package dev.gantry.core.analysis;

/** The standard normal distribution's upper tail, accurate far into the tail (p-values of 1e-12 and less). */
final class Normal {
  private Normal() {}

  /** P(Z &gt; z) for a standard normal Z. */
  static double upperTail(double z) {
    if (Double.isNaN(z)) {
      return 1.0;
    }
    return 0.5 * erfc(z / Math.sqrt(2.0));
  }

  /**
   * The complementary error function, with fractional error below 1.2e-7 everywhere (the Chebyshev fit of
   * Numerical Recipes, 2nd ed., §6.2): relative, not absolute, accuracy is what a tiny p-value needs.
   */
  static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1.0 / (1.0 + 0.5 * z);
    double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? ans : 2.0 - ans;
  }
}
