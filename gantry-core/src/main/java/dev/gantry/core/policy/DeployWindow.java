package dev.gantry.core.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A time window of an environment: a {@code deny} window is a freeze (no deployment starts inside it),
 * {@code allow} windows are the only times deployments may start (when an environment has any).
 *
 * <p>Either recurring, a cron {@link CronSchedule} of start minutes plus a duration (the shape of Argo
 * CD's sync windows: {@code schedule: "45 15 * * MON-FRI", duration: 30m}), or one-off, a local
 * {@code from}/{@code until} pair. Both are read in {@code timeZone}, so "15:45 New York time" stays
 * 15:45 across daylight-saving changes.
 *
 * @param schedule null for a one-off window
 * @param from inclusive start of a one-off window (local time in zone), null when recurring
 * @param until exclusive end of a one-off window, null when recurring
 * @param except local dates on which a recurring window does not start (exchange holidays: no trading, so no
 *     closing-auction freeze; early closes are one-off windows of their own)
 */
public record DeployWindow(String name, Kind kind, CronSchedule schedule, Duration duration, LocalDateTime from,
    LocalDateTime until, ZoneId zone, String reason, SortedSet<LocalDate> except) {

  public DeployWindow {
    except = except == null ? new TreeSet<>() : new TreeSet<>(except);
  }

  /** Whether an occurrence of this recurring window starts at local time l (not on an excepted date). */
  private boolean startsAt(LocalDateTime l) {
    return schedule.matches(l) && !except.contains(l.toLocalDate());
  }

  /** What a window does. */
  public enum Kind {
    ALLOW, DENY;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The longest window Gantry accepts: the search for the occurrence containing an instant walks back
   * minute by minute over one duration, and a 31-day freeze (a year-end freeze) is 44,640 steps.
   */
  public static final Duration MAX_DURATION = Duration.ofDays(31);

  /** How far ahead the next opening of an allow window is looked for (a weekly window opens within 8 days). */
  static final Duration LOOKAHEAD = Duration.ofDays(400);

  /** When t lies inside an occurrence of this window, the end of that occurrence (the latest end if several overlap). */
  public Optional<Instant> activeUntil(Instant t) {
    if (schedule == null) {
      Instant a = from.atZone(zone).toInstant();
      Instant b = until.atZone(zone).toInstant();
      return !t.isBefore(a) && t.isBefore(b) ? Optional.of(b) : Optional.empty();
    }
    // The latest start s with s <= t < s + duration is the occurrence that ends last.
    Instant s = t.truncatedTo(ChronoUnit.MINUTES);
    Instant earliest = t.minus(duration);
    while (s.isAfter(earliest)) {
      if (startsAt(LocalDateTime.ofInstant(s, zone))) {
        return Optional.of(s.plus(duration));
      }
      s = s.minus(1, ChronoUnit.MINUTES);
    }
    return Optional.empty();
  }

  /** The first start of this window strictly after t, if there is one within {@link #LOOKAHEAD}. */
  public Optional<Instant> nextStart(Instant t) {
    if (schedule == null) {
      Instant a = from.atZone(zone).toInstant();
      return a.isAfter(t) ? Optional.of(a) : Optional.empty();
    }
    ZonedDateTime z = t.atZone(zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    ZonedDateTime end = t.plus(LOOKAHEAD).atZone(zone);
    while (z.isBefore(end)) {
      LocalDateTime l = z.toLocalDateTime();
      if (!schedule.dayMatches(l) || except.contains(l.toLocalDate())) {
        z = z.toLocalDate().plusDays(1).atStartOfDay(zone);
      } else if (!schedule.hourMatches(l.getHour())) {
        z = z.truncatedTo(ChronoUnit.HOURS).plusHours(1);
      } else if (startsAt(l)) {
        return Optional.of(z.toInstant());
      } else {
        z = z.plusMinutes(1);
      }
    }
    return Optional.empty();
  }

  /** A short description for messages: {@code market-close (45 15 * * MON-FRI for 30m, America/New_York)}. */
  public String describe() {
    String when = schedule != null
        ? schedule + " for " + dev.gantry.core.deploy.ServiceSpec.format(duration)
        : from + " to " + until;
    return name + " (" + when + (except.isEmpty() ? "" : " except " + except.size() + " dates") + ", "
        + zone.getId() + ")";
  }
}
