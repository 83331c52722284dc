package dev.gantry.core.policy;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * A five-field cron expression ({@code minute hour day-of-month month day-of-week}) with the usual
 * forms: {@code *}, numbers, ranges {@code 1-5}, lists {@code 1,3}, steps {@code *}{@code /15} or
 * {@code 8-18/2}, and names ({@code JAN..DEC}, {@code SUN..SAT}; day 0 and 7 are Sunday). As in Vixie
 * cron, when both day fields are restricted a day matches if either does.
 *
 * <p>Matching is on local wall-clock time: the caller converts to the window's time zone first. A local
 * time skipped by a daylight-saving jump never matches (the window does not open that day).
 */
public final class CronSchedule {
  private static final List<String> MONTHS =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

  private final String text;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek;
  private final boolean domRestricted;
  private final boolean dowRestricted;

  private CronSchedule(String text, String[] f) {
    this.text = text;
    minutes = field("minute", f[0], 0, 59, List.of(), 0);
    hours = field("hour", f[1], 0, 23, List.of(), 0);
    daysOfMonth = field("day of month", f[2], 1, 31, List.of(), 0);
    months = field("month", f[3], 1, 12, MONTHS, 1);
    BitSet dow = field("day of week", f[4], 0, 7, DAYS, 0);
    if (dow.get(7)) {
      dow.set(0);
      dow.clear(7);
    }
    daysOfWeek = dow;
    domRestricted = !f[2].equals("*") && !f[2].equals("?");
    dowRestricted = !f[4].equals("*") && !f[4].equals("?");
  }

  /** Parses a schedule; throws naming the field that does not parse. */
  public static CronSchedule parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("schedule: required (five cron fields, e.g. \"45 15 * * MON-FRI\")");
    }
    String[] f = text.trim().split("\\s+");
    if (f.length != 5) {
      throw new IllegalArgumentException("schedule: '" + text + "' has " + f.length
          + " fields (expected 5: minute hour day-of-month month day-of-week)");
    }
    return new CronSchedule(text.trim(), f);
  }

  /** True when the minute of t (seconds ignored) is one the schedule names. */
  public boolean matches(LocalDateTime t) {
    return minutes.get(t.getMinute()) && hours.get(t.getHour()) && months.get(t.getMonthValue()) && dayMatches(t);
  }

  /** True when the date of t matches the day and month fields (any time of day). */
  boolean dayMatches(LocalDateTime t) {
    if (!months.get(t.getMonthValue())) {
      return false;
    }
    boolean dom = daysOfMonth.get(t.getDayOfMonth());
    boolean dow = daysOfWeek.get(t.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : t.getDayOfWeek().getValue());
    if (domRestricted && dowRestricted) {
      return dom || dow;
    }
    return dom && dow;
  }

  boolean hourMatches(int hour) {
    return hours.get(hour);
  }

  @Override
  public String toString() {
    return text;
  }

  private static BitSet field(String name, String spec, int min, int max, List<String> names, int nameBase) {
    BitSet out = new BitSet(max + 1);
    for (String part : spec.split(",", -1)) {
      int step = 1;
      String range = part;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        range = part.substring(0, slash);
        step = number(name, part.substring(slash + 1), 1, max, List.of(), 0);
      }
      int lo;
      int hi;
      if (range.equals("*") || range.equals("?")) {
        lo = min;
        hi = max;
      } else if (range.contains("-")) {
        String[] ab = range.split("-", -1);
        if (ab.length != 2) {
          throw bad(name, part, min, max);
        }
        lo = number(name, ab[0], min, max, names, nameBase);
        hi = number(name, ab[1], min, max, names, nameBase);
        if (hi < lo) {
          throw new IllegalArgumentException("schedule: " + name + " '" + part + "' is a range that runs backwards");
        }
      } else {
        lo = number(name, range, min, max, names, nameBase);
        hi = slash >= 0 ? max : lo;
      }
      for (int v = lo; v <= hi; v += step) {
        out.set(v);
      }
    }
    return out;
  }

  private static int number(String name, String s, int min, int max, List<String> names, int nameBase) {
    int i = names.indexOf(s.toUpperCase(Locale.ROOT));
    if (i >= 0) {
      return i + nameBase;
    }
    try {
      int v = Integer.parseInt(s);
      if (v < min || v > max) {
        throw bad(name, s, min, max);
      }
      return v;
    } catch (NumberFormatException e) {
      throw bad(name, s, min, max);
    }
  }

  private static IllegalArgumentException bad(String name, String s, int min, int max) {
    return new IllegalArgumentException("schedule: " + name + " '" + s + "' (expected: " + min + ".." + max
        + ", a range a-b, a list a,b, a step */n" + (name.startsWith("month") || name.startsWith("day of week")
        ? ", or a name" : "") + ")");
  }
}
