package dev.gantry.core.version;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which versions of a service stay and which retire: a pure function of the versions, their clients and
 * leases, the service's {@code retireAfter}, and now.
 *
 * <pre>
 *   default (latest promoted, or pinned) ─▶ keep
 *   pinned ─────────────────────────────▶ keep
 *   a live lease (not released, not expired) ─▶ keep, whoever holds it, however quiet
 *   quiet since = latest of (last client that addressed it BY VERSION, stopped being the default, added)
 *     now ≥ quiet since + retireAfter ─▶ RETIRE, with the evidence
 *     otherwise ─▶ keep, scheduled: sunset at quiet since + retireAfter (a client or a lease moves it)
 * </pre>
 *
 * <p>Only clients that name the version (Gantry-Version header, /SERVICE/vN path, vN.HOST host) keep a version
 * that is not the default: traffic through the default address went to whichever version was the default then,
 * and follows the default when it moves, so it says nothing about who still needs an older version.
 */
public final class Retirement {
  private Retirement() {}

  /** A lease: a declared client that keeps a version alive while it is quiet (a monthly batch job). */
  public record Lease(String id, String client, Instant expiresAt, boolean released) {
    public boolean liveAt(Instant now) {
      return !released && expiresAt.isAfter(now);
    }
  }

  /**
   * One running version.
   *
   * @param deprecatedAt when it stopped being the default (null while it is, or if it never was)
   * @param lastClientSeen when any client last called it, by any address (null: never); shown, not decisive
   * @param lastClient that client
   * @param lastExplicitSeen when a client last addressed it by version (null: never): what keeps it once it is
   *     not the default
   * @param lastExplicitClient that client
   */
  public record Version(String label, String serial, Instant addedAt, Instant deprecatedAt, Instant lastClientSeen,
      String lastClient, Instant lastExplicitSeen, String lastExplicitClient, List<Lease> leases, boolean isDefault,
      boolean pinned) {
    public Version {
      leases = List.copyOf(leases);
    }
  }

  /** keep or retire. */
  public enum Verdict {
    KEEP,
    RETIRE
  }

  /**
   * The decision for one version, with its reason; {@code sunsetAt} is when it would retire if nothing
   * changes (null for versions that are kept for a reason that does not expire by itself: default, pinned).
   */
  public record Decision(String label, String serial, Verdict verdict, String reason, Instant sunsetAt) {}

  public static List<Decision> plan(List<Version> versions, Duration retireAfter, Instant now) {
    List<Decision> out = new ArrayList<>();
    for (Version v : versions) {
      if (v.isDefault()) {
        out.add(new Decision(v.label(), v.serial(), Verdict.KEEP, "the default version", null));
        continue;
      }
      if (v.pinned()) {
        out.add(new Decision(v.label(), v.serial(), Verdict.KEEP, "pinned", null));
        continue;
      }
      List<Lease> live = v.leases().stream().filter(l -> l.liveAt(now)).toList();
      // A version that no later one replaced (deprecatedAt null) is not the default only because of a pin or a
      // rollback to an older one: its default-address clients used it until then, and count as they did.
      Instant quietSince = latest(v.addedAt(), v.deprecatedAt(), v.lastExplicitSeen(),
          v.deprecatedAt() == null ? v.lastClientSeen() : null);
      Instant sunset = quietSince.plus(retireAfter);
      if (!live.isEmpty()) {
        Instant until = live.stream().map(Lease::expiresAt).max(Instant::compareTo).orElseThrow();
        out.add(new Decision(v.label(), v.serial(), Verdict.KEEP, "leased by " + live.stream().map(l -> l.client()
            + " until " + l.expiresAt()).collect(Collectors.joining(", ")), latest(sunset, until)));
        continue;
      }
      String seen = seen(v);
      String leases = v.leases().isEmpty() ? "no lease ever" : "leases " + v.leases().stream().map(l -> l.id() + " ("
          + l.client() + (l.released() ? ", released" : ", expired " + l.expiresAt()) + ")")
          .collect(Collectors.joining(", "));
      if (!now.isBefore(sunset)) {
        out.add(new Decision(v.label(), v.serial(), Verdict.RETIRE, "quiet since " + quietSince + " (" + seen + "; "
            + leases + "), longer than retireAfter " + days(retireAfter), sunset));
      } else {
        out.add(new Decision(v.label(), v.serial(), Verdict.KEEP, "scheduled to retire at " + sunset
            + " unless a client calls or a lease is taken (" + seen + ")", sunset));
      }
    }
    return out;
  }

  /**
   * Whether a version would be in use were it not the default, whatever its age: pinned, a live lease, or a
   * client that addressed it by version within retireAfter (clients of the default address do not count: they
   * follow the default). A normal deploy replaces the previous default at once only when it is not; one in use
   * is left to {@link #plan}, which retires it once it has been quiet for retireAfter.
   */
  public static boolean inUse(Version v, Duration retireAfter, Instant now) {
    return v.pinned() || v.leases().stream().anyMatch(l -> l.liveAt(now))
        || (v.lastExplicitSeen() != null && now.isBefore(v.lastExplicitSeen().plus(retireAfter)));
  }

  /**
   * The clients in a decision's reason: the last one that addressed the version by version (the one that
   * counts) and, when someone came later through the default address, that one too (it does not count).
   */
  private static String seen(Version v) {
    String explicit = v.lastExplicitSeen() == null ? (v.lastClientSeen() == null ? "no client ever seen"
        : "no client addressed it by version") : "last client " + v.lastExplicitClient() + " at " + v.lastExplicitSeen();
    if (v.lastClientSeen() != null && (v.lastExplicitSeen() == null || v.lastClientSeen().isAfter(v.lastExplicitSeen()))) {
      explicit += "; last client of the default address " + v.lastClient() + " at " + v.lastClientSeen()
          + ", which does not keep it";
    }
    return explicit;
  }

  /** 14d rather than 336h: how people state a retention. */
  private static String days(Duration d) {
    return d.toMillis() % 86_400_000 == 0 && !d.isZero() ? d.toDays() + "d"
        : dev.gantry.core.deploy.ServiceSpec.format(d);
  }

  private static Instant latest(Instant... times) {
    Instant best = null;
    for (Instant t : times) {
      if (t != null && (best == null || t.isAfter(best))) {
        best = t;
      }
    }
    return best;
  }
}
