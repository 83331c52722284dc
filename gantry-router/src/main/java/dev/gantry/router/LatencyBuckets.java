package dev.gantry.router;

import java.util.Arrays;

/**
 * The fixed bounds of the per-version latency histogram, in microseconds.
 *
 * <p>The bounds follow the R10 preferred-number series (100, 125, 160, 200, 250, 315, 400, 500, 630,
 * 800 per decade) from 100 µs to 60 s: ten buckets per decade keep a quantile within about 12 % of
 * the truth, which is finer than any canary threshold, and fixed bounds let callers subtract two
 * snapshots bucket by bucket. The last count (beyond 60 s, the largest response timeout one would
 * configure) is unbounded.
 */
final class LatencyBuckets {
  private static final long[] MANTISSAS = {100, 125, 160, 200, 250, 315, 400, 500, 630, 800};
  private static final long MAX_MICROS = 60_000_000L;

  /** Upper bounds (inclusive), ascending; counts have one more slot for "above the last bound". */
  private static final long[] BOUNDS_MICROS = bounds();

  private LatencyBuckets() {}

  private static long[] bounds() {
    long[] out = new long[64];
    int n = 0;
    for (long scale = 1; ; scale *= 10) {
      for (long m : MANTISSAS) {
        long b = m * scale;
        if (b >= MAX_MICROS) {
          out[n++] = MAX_MICROS;
          return Arrays.copyOf(out, n);
        }
        out[n++] = b;
      }
    }
  }

  /** A copy of the bounds (µs), safe to hand to callers. */
  static long[] boundsMicros() {
    return BOUNDS_MICROS.clone();
  }

  /** Number of counters: one per bound plus the unbounded last one. */
  static int counters() {
    return BOUNDS_MICROS.length + 1;
  }

  /**
   * Per bit length of a latency (64 - leading zeros), the first bucket whose bound reaches the
   * smallest number of that length: a lookup plus a scan of at most four bounds (a power of two
   * spans three R10 steps) instead of a binary search on every request.
   */
  private static final int[] FIRST_BY_BIT_LENGTH = firstByBitLength();

  private static int[] firstByBitLength() {
    int[] first = new int[65];
    for (int bits = 0; bits <= 64; bits++) {
      long smallest = bits == 0 ? 0 : 1L << (bits - 1);
      int i = Arrays.binarySearch(BOUNDS_MICROS, smallest);
      first[bits] = i >= 0 ? i : -i - 1;
    }
    return first;
  }

  /** The counter a latency falls into: the first bound that is at least {@code micros}. */
  static int index(long micros) {
    if (micros <= 0) {
      return 0;
    }
    int i = FIRST_BY_BIT_LENGTH[64 - Long.numberOfLeadingZeros(micros)];
    while (i < BOUNDS_MICROS.length && BOUNDS_MICROS[i] < micros) {
      i++;
    }
    return i;
  }
}
