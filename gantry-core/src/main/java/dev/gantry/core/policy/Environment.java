package dev.gantry.core.policy;

import dev.gantry.core.account.Names;
import dev.gantry.core.deploy.ServiceSpec;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An environment as {@code gantry env apply -f prod.yaml} defines it: a policy scope with a promotion
 * order. (Per-environment router listeners and runtime targets are not built yet: one server runs one
 * runtime, and every environment's deployments land there.)
 *
 * <pre>
 * name: prod
 * description: production, two regions
 * requires: [staging]                     # a COMPLETE deployment of the same artifact in each, first
 * rules:
 *   fullSuite: { suite: full, minTests: 1 }  # the latest run of that suite for this artifact passed
 *   noFailedTests: true                   # the latest run of every suite has no failures or errors
 *   requirementsLinked: true              # every commit names a requirement
 *   provenance: true                      # signed provenance present, signature valid, subject = digest
 *   sbom: { minComponents: 1 }           # present (and, optionally, listing at least that many components)
 *   approvals: { count: 2, expiresAfter: 72h }
 *   notRejected: true                     # always on (a rejection stops the release)
 * windows:
 *   - { name: market-close, kind: deny, schedule: "45 15 * * MON-FRI", duration: 30m,
 *       timeZone: America/New_York, reason: "closing auction" }
 *   - { name: year-end, kind: deny, from: 2030-12-24T00:00, until: 2031-01-02T00:00, timeZone: Europe/London }
 * custom:
 *   - { name: no-snapshots, expression: "artifact.components.all(c, !c.version.endsWith('-SNAPSHOT'))",
 *       message: "no SNAPSHOT libraries in production" }
 * </pre>
 *
 * A built-in rule is off unless listed ({@code true} or its parameters); {@code false} turns it off.
 */
public record Environment(String name, String description, List<String> requires, Rules rules,
    List<DeployWindow> windows, List<CustomRule> custom) {

  /** The environment of a deployment that names none (and of every deployment before environments existed). */
  public static final String DEFAULT = "default";

  public Environment {
    requires = List.copyOf(requires);
    windows = List.copyOf(windows);
    custom = List.copyOf(custom);
  }

  /** The built-in rules; a null member is off. */
  public record Rules(FullSuite fullSuite, NoFailedTests noFailedTests, boolean requirementsLinked,
      boolean provenance, Sbom sbom, Approvals approvals, boolean notRejected) {}

  /** The latest run of suite passed with at least minTests tests. */
  public record FullSuite(String suite, int minTests) {}

  /** No failures or errors in the latest run of each suite (every run, when allRuns). */
  public record NoFailedTests(boolean allRuns) {}

  /** An SBOM with at least minComponents components. */
  public record Sbom(int minComponents) {}

  /** count approvals by distinct eligible humans, each valid for expiresAfter. */
  /**
   * @param knownAuthors refuse while the artifact has no recorded commits: without them nobody can tell whether
   *     an approver wrote the change (registered with {@code --no-git}); off by default
   */
  public record Approvals(int count, Duration expiresAfter, boolean knownAuthors) {}

  /** A CEL expression over the release context that must be true; message says what it wants. */
  public record CustomRule(String name, String expression, String message) {}

  /** Approvals expire after this when an environment does not say (a working day plus a night). */
  public static final Duration DEFAULT_APPROVAL_EXPIRY = Duration.ofHours(24);

  private static final Set<String> TOP = Set.of("name", "description", "requires", "rules", "windows", "custom");
  private static final Set<String> RULES = Set.of("fullSuite", "noFailedTests", "requirementsLinked", "provenance",
      "sbom", "approvals", "notRejected");
  private static final Set<String> WINDOW = Set.of("name", "kind", "schedule", "duration", "from", "until",
      "timeZone", "reason", "except");
  private static final Set<String> CUSTOM = Set.of("name", "expression", "message");

  /** Approval expiry, for an environment whose approvals rule is off (approvals are still recorded). */
  public Duration approvalExpiry() {
    return rules.approvals() == null ? DEFAULT_APPROVAL_EXPIRY : rules.approvals().expiresAfter();
  }

  /** Parses and validates a definition, reporting every problem at once, each naming its field. */
  public static Environment parse(Map<String, Object> m) {
    return parse(m, false);
  }

  /**
   * A definition as the ledger keeps it: the rules of apply that came later (notRejected always on, CEL members
   * checked) do not stop a definition applied before them from being read, carried out and replayed.
   */
  public static Environment parseStored(Map<String, Object> m) {
    return parse(m, true);
  }

  private static Environment parse(Map<String, Object> m, boolean stored) {
    List<String> problems = new ArrayList<>();
    keys(problems, "", m, TOP);
    String name = m.get("name") instanceof String s ? s : null;
    if (name == null) {
      problems.add("name: required (e.g. prod)");
    } else {
      try {
        Names.check("environment", name);
      } catch (IllegalArgumentException e) {
        problems.add("name: " + e.getMessage());
      }
    }
    String description = m.get("description") == null ? "" : m.get("description") instanceof String s ? s : null;
    if (description == null) {
      problems.add("description: expected a string");
      description = "";
    }
    List<String> requires = new ArrayList<>();
    Object rq = m.get("requires");
    if (rq != null) {
      if (!(rq instanceof List<?> l) || !l.stream().allMatch(o -> o instanceof String)) {
        problems.add("requires: expected a list of environment names");
      } else {
        for (Object o : l) {
          String r = (String) o;
          if (r.equals(name)) {
            problems.add("requires: '" + r + "' is this environment");
          } else if (requires.contains(r)) {
            problems.add("requires: '" + r + "' is listed twice");
          } else {
            requires.add(r);
          }
        }
      }
    }
    Rules rules = rules(problems, m.get("rules"), stored);
    List<DeployWindow> windows = new ArrayList<>();
    Object ws = m.get("windows");
    if (ws != null) {
      if (!(ws instanceof List<?> l)) {
        problems.add("windows: expected a list");
      } else {
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < l.size(); i++) {
          DeployWindow w = window(problems, "windows[" + i + "].", l.get(i));
          if (w != null) {
            if (!names.add(w.name())) {
              problems.add("windows[" + i + "].name: '" + w.name() + "' is used twice");
            }
            windows.add(w);
          }
        }
      }
    }
    List<CustomRule> custom = new ArrayList<>();
    Object cs = m.get("custom");
    if (cs != null) {
      if (!(cs instanceof List<?> l)) {
        problems.add("custom: expected a list");
      } else {
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < l.size(); i++) {
          String f = "custom[" + i + "].";
          if (!(l.get(i) instanceof Map<?, ?> cm)) {
            problems.add(f.substring(0, f.length() - 1) + ": expected {name, expression, message}");
            continue;
          }
          Map<String, Object> c = cast(cm);
          keys(problems, f, c, CUSTOM);
          String n = c.get("name") instanceof String s ? s : null;
          String ex = c.get("expression") instanceof String s ? s : null;
          String msg = c.get("message") instanceof String s ? s : "";
          if (n == null || !n.matches("[a-z][a-z0-9-]{0,62}")) {
            problems.add(f + "name: " + (n == null ? "required" : "'" + n + "'") + " (expected: lower case, digits, -)");
          } else if (!names.add(n)) {
            problems.add(f + "name: '" + n + "' is used twice");
          }
          if (ex == null) {
            problems.add(f + "expression: required (a CEL expression that is true when the rule passes)");
          } else {
            String err = stored ? CelRules.compiles(ex) : CelRules.check(ex);
            if (err != null) {
              problems.add(f + "expression: " + err);
            }
          }
          custom.add(new CustomRule(n, ex, msg));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new PolicyException("environment" + (name == null ? "" : " " + name), problems);
    }
    return new Environment(name, description, requires, rules, windows, custom);
  }

  private static Rules rules(List<String> problems, Object o, boolean stored) {
    if (o == null) {
      return new Rules(null, null, false, false, null, null, true);
    }
    if (!(o instanceof Map<?, ?> rm)) {
      problems.add("rules: expected a mapping of rule names to true, false or parameters");
      return new Rules(null, null, false, false, null, null, true);
    }
    Map<String, Object> r = cast(rm);
    keys(problems, "rules.", r, RULES);
    Map<String, Object> p;
    FullSuite fullSuite = null;
    if ((p = params(problems, r, "fullSuite", Set.of("suite", "minTests"))) != null) {
      String suite = p.get("suite") == null ? "full" : p.get("suite") instanceof String s ? s : null;
      if (suite == null || !(suite.equals("full") || suite.equals("smoke"))) {
        problems.add("rules.fullSuite.suite: '" + p.get("suite") + "' (expected: full or smoke)");
        suite = "full";
      }
      fullSuite = new FullSuite(suite, integer(problems, "rules.fullSuite.minTests", p.get("minTests"), 1, 1, 1_000_000));
    }
    NoFailedTests noFailed = null;
    if ((p = params(problems, r, "noFailedTests", Set.of("allRuns"))) != null) {
      noFailed = new NoFailedTests(Boolean.TRUE.equals(p.get("allRuns")));
    }
    boolean links = params(problems, r, "requirementsLinked", Set.of()) != null;
    boolean provenance = params(problems, r, "provenance", Set.of()) != null;
    Sbom sbom = null;
    if ((p = params(problems, r, "sbom", Set.of("minComponents"))) != null) {
      sbom = new Sbom(integer(problems, "rules.sbom.minComponents", p.get("minComponents"), 0, 0, 1_000_000));
    }
    Approvals approvals = null;
    if ((p = params(problems, r, "approvals", Set.of("count", "expiresAfter", "knownAuthors"))) != null) {
      Duration exp = DEFAULT_APPROVAL_EXPIRY;
      if (p.get("expiresAfter") != null) {
        try {
          exp = ServiceSpec.parseDuration(String.valueOf(p.get("expiresAfter")));
          if (exp.compareTo(Duration.ofMinutes(1)) < 0 || exp.compareTo(Duration.ofDays(90)) > 0) {
            problems.add("rules.approvals.expiresAfter: " + ServiceSpec.format(exp) + " (expected: 1m..90d)");
          }
        } catch (IllegalArgumentException e) {
          problems.add("rules.approvals.expiresAfter: " + e.getMessage());
        }
      }
      if (p.containsKey("knownAuthors") && !(p.get("knownAuthors") instanceof Boolean)) {
        problems.add("rules.approvals.knownAuthors: expected true or false");
      }
      approvals = new Approvals(integer(problems, "rules.approvals.count", p.get("count"), 2, 1, 10), exp,
          Boolean.TRUE.equals(p.get("knownAuthors")));
    }
    // A rejection stops the release of that artifact into that environment for good: the rule is always on.
    // (A definition stored before that rule keeps what it said; break glass checks rejections itself.)
    if (r.containsKey("notRejected") && !Boolean.TRUE.equals(r.get("notRejected"))) {
      if (!stored || !(r.get("notRejected") instanceof Boolean)) {
        problems.add("rules.notRejected: " + r.get("notRejected") + " (a rejection always stops the release; the rule"
            + " cannot be switched off, only left out or set to true)");
      }
    }
    return new Rules(fullSuite, noFailed, links, provenance, sbom, approvals,
        !Boolean.FALSE.equals(r.get("notRejected")));
  }

  /** A rule's parameters: null when off (absent or false), empty for true, the map otherwise. */
  private static Map<String, Object> params(List<String> problems, Map<String, Object> r, String k, Set<String> allowed) {
    Object v = r.get(k);
    if (v == null || Boolean.FALSE.equals(v)) {
      return null;
    }
    if (Boolean.TRUE.equals(v)) {
      return Map.of();
    }
    if (v instanceof Map<?, ?> pm) {
      Map<String, Object> p = cast(pm);
      keys(problems, "rules." + k + ".", p, allowed);
      return p;
    }
    problems.add("rules." + k + ": expected true, false" + (allowed.isEmpty() ? "" : " or " + allowed));
    return null;
  }

  private static DeployWindow window(List<String> problems, String f, Object o) {
    if (!(o instanceof Map<?, ?> wm)) {
      problems.add(f.substring(0, f.length() - 1) + ": expected {name, kind, schedule, duration, timeZone}");
      return null;
    }
    Map<String, Object> w = cast(wm);
    int before = problems.size();
    keys(problems, f, w, WINDOW);
    String name = w.get("name") instanceof String s ? s : null;
    if (name == null || name.isBlank()) {
      problems.add(f + "name: required (e.g. market-close)");
    }
    DeployWindow.Kind kind = DeployWindow.Kind.DENY;
    Object k = w.get("kind");
    if (k != null) {
      if ("allow".equals(k)) {
        kind = DeployWindow.Kind.ALLOW;
      } else if (!"deny".equals(k)) {
        problems.add(f + "kind: '" + k + "' (expected: deny or allow)");
      }
    }
    ZoneId zone = null;
    if (!(w.get("timeZone") instanceof String tz)) {
      problems.add(f + "timeZone: required (an IANA zone, e.g. America/New_York or UTC)");
    } else {
      try {
        zone = ZoneId.of(tz);
      } catch (DateTimeException e) {
        problems.add(f + "timeZone: '" + tz + "' is not an IANA time zone (e.g. America/New_York)");
      }
    }
    String reason = w.get("reason") instanceof String s ? s : "";
    CronSchedule schedule = null;
    Duration duration = null;
    LocalDateTime from = null;
    LocalDateTime until = null;
    java.util.SortedSet<LocalDate> except = new java.util.TreeSet<>();
    if (w.containsKey("schedule")) {
      if (w.containsKey("from") || w.containsKey("until")) {
        problems.add(f + "schedule: give either schedule and duration, or from and until");
      }
      try {
        schedule = CronSchedule.parse(String.valueOf(w.get("schedule")));
      } catch (IllegalArgumentException e) {
        problems.add(f + e.getMessage());
      }
      if (w.get("duration") == null) {
        problems.add(f + "duration: required with a schedule (e.g. 30m)");
      } else {
        try {
          duration = ServiceSpec.parseDuration(String.valueOf(w.get("duration")));
          if (duration.compareTo(Duration.ofMinutes(1)) < 0 || duration.compareTo(DeployWindow.MAX_DURATION) > 0) {
            problems.add(f + "duration: " + ServiceSpec.format(duration) + " (expected: 1m..31d)");
          }
        } catch (IllegalArgumentException e) {
          problems.add(f + "duration: " + e.getMessage());
        }
      }
      if (w.get("except") != null) {
        if (!(w.get("except") instanceof List<?> dates)) {
          problems.add(f + "except: expected a list of local dates (e.g. [2030-12-25, 2031-01-01])");
        } else if (dates.size() > 1000) {
          problems.add(f + "except: " + dates.size() + " dates (expected at most 1000)");
        } else {
          for (Object d : dates) {
            try {
              except.add(LocalDate.parse(String.valueOf(d)));
            } catch (DateTimeParseException e) {
              problems.add(f + "except: '" + d + "' (expected a local date, e.g. 2030-12-25)");
            }
          }
        }
      }
    } else if (w.containsKey("from") || w.containsKey("until")) {
      if (w.containsKey("except")) {
        problems.add(f + "except: only for a recurring window (schedule and duration)");
      }
      from = local(problems, f + "from", w.get("from"));
      until = local(problems, f + "until", w.get("until"));
      if (from != null && until != null && !until.isAfter(from)) {
        problems.add(f + "until: " + until + " is not after from " + from);
      }
    } else {
      problems.add(f.substring(0, f.length() - 1) + ": needs schedule and duration, or from and until");
    }
    return problems.size() > before ? null
        : new DeployWindow(name, kind, schedule, duration, from, until, zone, reason, except);
  }

  private static LocalDateTime local(List<String> problems, String f, Object v) {
    if (v == null) {
      problems.add(f + ": required (local time in timeZone, e.g. 2030-12-24T00:00)");
      return null;
    }
    try {
      return LocalDateTime.parse(String.valueOf(v));
    } catch (DateTimeParseException e) {
      problems.add(f + ": '" + v + "' (expected local time in timeZone, e.g. 2030-12-24T00:00)");
      return null;
    }
  }

  private static int integer(List<String> problems, String f, Object v, int dflt, int min, int max) {
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Long || v instanceof Integer) || ((Number) v).longValue() < min
        || ((Number) v).longValue() > max) {
      problems.add(f + ": '" + v + "' (expected an integer " + min + ".." + max + ")");
      return dflt;
    }
    return ((Number) v).intValue();
  }

  private static void keys(List<String> problems, String prefix, Map<String, Object> m, Set<String> allowed) {
    for (String k : m.keySet()) {
      if (!allowed.contains(k)) {
        problems.add(prefix + k + ": unknown key (expected one of " + new TreeSet<>(allowed) + ")");
      }
    }
  }

  /** The definition with every default made explicit: what the ledger records and replay parses back. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("description", description);
    m.put("requires", requires);
    Map<String, Object> r = new LinkedHashMap<>();
    if (rules.fullSuite() != null) {
      r.put("fullSuite", Map.of("suite", rules.fullSuite().suite(), "minTests", (long) rules.fullSuite().minTests()));
    }
    if (rules.noFailedTests() != null) {
      r.put("noFailedTests", Map.of("allRuns", rules.noFailedTests().allRuns()));
    }
    r.put("requirementsLinked", rules.requirementsLinked());
    r.put("provenance", rules.provenance());
    if (rules.sbom() != null) {
      r.put("sbom", Map.of("minComponents", (long) rules.sbom().minComponents()));
    }
    if (rules.approvals() != null) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("count", (long) rules.approvals().count());
      a.put("expiresAfter", ServiceSpec.format(rules.approvals().expiresAfter()));
      if (rules.approvals().knownAuthors()) { // absent when off: earlier definitions keep their canonical form
        a.put("knownAuthors", true);
      }
      r.put("approvals", a);
    }
    r.put("notRejected", rules.notRejected());
    m.put("rules", r);
    m.put("windows", windows.stream().map(w -> {
      Map<String, Object> wm = new LinkedHashMap<>();
      wm.put("name", w.name());
      wm.put("kind", w.kind().wire());
      if (w.schedule() != null) {
        wm.put("schedule", w.schedule().toString());
        wm.put("duration", ServiceSpec.format(w.duration()));
        if (!w.except().isEmpty()) { // absent when empty: definitions from before except keep their canonical form
          wm.put("except", w.except().stream().map(LocalDate::toString).toList());
        }
      } else {
        wm.put("from", w.from().toString());
        wm.put("until", w.until().toString());
      }
      wm.put("timeZone", w.zone().getId());
      wm.put("reason", w.reason());
      return wm;
    }).toList());
    m.put("custom", custom.stream().map(c -> Map.of("name", c.name(), "expression", c.expression(),
        "message", c.message())).toList());
    return m;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
