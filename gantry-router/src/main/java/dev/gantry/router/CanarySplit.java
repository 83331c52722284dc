package dev.gantry.router;

import dev.gantry.core.deploy.TrafficRouter.Canary;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The compiled canary rule of one route table: decides, per request, canary or stable (see
 * {@link Canary} for the order of the rules). Immutable; called on every event loop.
 */
final class CanarySplit {
  /** Buckets per user: weights are whole percent, buckets are hundredths of a percent. */
  static final int BUCKETS = 10_000;

  private final int thresholdBuckets;
  private final long salt;
  private final String userHeader;
  private final String userCookie;
  private final Set<String> users;
  private final String header;
  private final String headerValue;
  private final String cookie;
  private final String cookieValue;

  CanarySplit(Canary c) {
    this.thresholdBuckets = c.weight() * (BUCKETS / 100);
    this.salt = fnv1a(0xcbf29ce484222325L, c.salt() == null ? "" : c.salt());
    this.userHeader = c.userHeader();
    this.userCookie = c.userCookie();
    this.users = Set.copyOf(c.users());
    this.header = c.header();
    this.headerValue = c.headerValue();
    this.cookie = c.cookie();
    this.cookieValue = c.cookieValue();
  }

  int weight() {
    return thresholdBuckets / (BUCKETS / 100);
  }

  /** Whether this request goes to the canary. */
  boolean toCanary(HttpHeaders h) {
    if (h == null) {
      return thresholdBuckets > 0 && ThreadLocalRandom.current().nextInt(BUCKETS) < thresholdBuckets;
    }
    if (header != null && headerValue.equals(h.get(header))) {
      return true;
    }
    String cookies = cookie != null || userCookie != null ? h.get(HttpHeaderNames.COOKIE) : null;
    if (cookie != null && cookies != null && cookieValue.equals(cookie(cookies, cookie))) {
      return true;
    }
    String user = userHeader == null ? null : h.get(userHeader);
    if ((user == null || user.isEmpty()) && userCookie != null && cookies != null) {
      user = cookie(cookies, userCookie);
    }
    if (user != null && !user.isEmpty()) {
      return users.contains(user) || bucket(user) < thresholdBuckets;
    }
    return thresholdBuckets > 0 && ThreadLocalRandom.current().nextInt(BUCKETS) < thresholdBuckets;
  }

  /** The user's sticky bucket, 0..9999: FNV-1a of salt and id, then a 64-bit finalizer for uniform low bits. */
  int bucket(String user) {
    long x = fnv1a(salt, user);
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return (int) Long.remainderUnsigned(x, BUCKETS);
  }

  private static long fnv1a(long h, String s) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** The value of one cookie in a Cookie header ({@code a=1; b=2}), or null. */
  static String cookie(String header, String name) {
    int i = 0;
    int n = header.length();
    while (i < n) {
      while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
        i++;
      }
      int eq = header.indexOf('=', i);
      int end = header.indexOf(';', i);
      if (end < 0) {
        end = n;
      }
      if (eq > 0 && eq < end && header.regionMatches(i, name, 0, name.length()) && eq - i == name.length()) {
        String v = header.substring(eq + 1, end).trim();
        return v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"' ? v.substring(1, v.length() - 1) : v;
      }
      i = end + 1;
    }
    return null;
  }
}
