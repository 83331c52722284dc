package dev.gantry.server.system;

import dev.gantry.server.auth.ApiException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them: {@code 90s}, {@code 15m}, {@code 12h}, {@code 30d}. */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("([1-9][0-9]{0,5})([smhd])");

  private Durations() {}

  public static Duration parse(String field, String text) {
    Matcher m = FORM.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw ApiException.badRequest(field + ": '" + text + "' (expected a number and a unit s, m, h or d, e.g. 30d)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
