package dev.gantry.router;

import io.netty.util.AsciiString;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One routable version of a service: its instances, picked round-robin, its serial and its
 * counters. Immutable apart from the round-robin cursor, which every event loop advances.
 */
final class VersionRoute {
  private final String service;
  private final String version;
  private final String serial;
  /** The version and serial as response header values, made once per route table, not per response. */
  private final AsciiString versionHeader;
  private final AsciiString serialHeader;
  private final Backend[] backends;
  private final VersionMetrics metrics;
  private final AtomicInteger cursor = new AtomicInteger();
  /** RFC 9745 Deprecation, RFC 8594 Sunset and the successor Link, or null when the version is not retiring. */
  private AsciiString deprecationHeader;
  private AsciiString sunsetHeader;
  private AsciiString linkHeader;

  VersionRoute(String service, String version, String serial, List<Backend> backends, VersionMetrics metrics) {
    this.service = service;
    this.version = version;
    this.serial = serial;
    this.versionHeader = new AsciiString(version);
    this.serialHeader = serial == null ? null : new AsciiString(serial);
    this.backends = backends.toArray(Backend[]::new);
    this.metrics = metrics;
  }

  /** Marks this version as scheduled to retire; called while the route table is compiled, before publication. */
  void deprecate(long deprecatedAtEpochSeconds, long sunsetAtEpochSeconds, String successorLink) {
    this.deprecationHeader = new AsciiString("@" + deprecatedAtEpochSeconds);
    this.sunsetHeader = new AsciiString(httpDate(sunsetAtEpochSeconds));
    this.linkHeader = successorLink == null ? null : new AsciiString(successorLink);
  }

  /**
   * IMF-fixdate (RFC 9110 §5.6.7), the only form a sender may generate: two-digit day, "GMT". The JDK's
   * RFC_1123_DATE_TIME prints days 1–9 with one digit ("Fri, 5 Dec 2025"), which strict parsers reject.
   */
  static final java.time.format.DateTimeFormatter IMF_FIXDATE = java.time.format.DateTimeFormatter
      .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US).withZone(java.time.ZoneOffset.UTC);

  static String httpDate(long epochSeconds) {
    return IMF_FIXDATE.format(java.time.Instant.ofEpochSecond(epochSeconds));
  }

  AsciiString deprecationHeader() {
    return deprecationHeader;
  }

  AsciiString sunsetHeader() {
    return sunsetHeader;
  }

  AsciiString linkHeader() {
    return linkHeader;
  }

  String service() {
    return service;
  }

  String version() {
    return version;
  }

  /** The artifact serial echoed as {@code X-Gantry-Serial}, or null when the table names none. */
  String serial() {
    return serial;
  }

  AsciiString versionHeader() {
    return versionHeader;
  }

  AsciiString serialHeader() {
    return serialHeader;
  }

  VersionMetrics metrics() {
    return metrics;
  }

  int backendCount() {
    return backends.length;
  }

  /** The next instance in round-robin order; the version must have at least one. */
  Backend next() {
    // floorMod keeps the index valid after the int cursor wraps past Integer.MAX_VALUE.
    return backends[Math.floorMod(cursor.getAndIncrement(), backends.length)];
  }

  /**
   * The instance after {@code failed} in table order that has a different address, or null when the
   * version has no other: the target of the one retry an idempotent request gets.
   */
  Backend other(Backend failed) {
    int start = 0;
    for (int i = 0; i < backends.length; i++) {
      if (backends[i].equals(failed)) {
        start = i;
        break;
      }
    }
    for (int step = 1; step < backends.length; step++) {
      Backend b = backends[(start + step) % backends.length];
      if (!b.address().equals(failed.address())) {
        return b;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return service + "@" + version;
  }
}
