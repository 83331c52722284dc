package dev.gantry.core.deploy;

import dev.gantry.core.account.Names;
import dev.gantry.core.analysis.CanaryAnalysis;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How to run and release a service: the document {@code gantry service apply -f pricing.yaml} sends.
 *
 * <pre>
 * name: pricing
 * runtime: process
 * command: ["{java}", "-jar", "{artifact}"]      # the port arrives as $PORT; portArg adds it to argv
 * portArg: "--server.port={port}"                # optional; must contain {port}
 * instances: 2
 * route: { pathPrefix: pricing, host: pricing.local }
 * env: { TZ: UTC }
 * readiness: { path: /health, interval: 1s, timeout: 500ms, successThreshold: 1, failureThreshold: 3 }
 * liveness:  { path: /health, interval: 5s, timeout: 1s, failureThreshold: 3 }
 * smoke:
 *   - { method: GET, path: "/price?symbol=EURUSD", expectStatus: 200, expectBodyContains: "mid" }
 * verification: { window: 30s, maxErrorRate: 0.01, maxP99Ratio: 2.0, minRequests: 20 }
 * readinessDeadline: 2m
 * scaleDownDelay: 5m
 * versions: { retireAfter: 14d, drainTimeout: 30s }   # side-by-side versions: when unused ones go
 * strategy: canary                               # or blue-green (the default)
 * canary:
 *   steps: [ {setWeight: 10}, {pause: 30s}, {analysis: {}}, {setWeight: 50}, {pause: untilPromoted} ]
 *   cohort: { userHeader: X-User-Id, users: [alice, bob], header: {name: X-Beta, value: "1"} }
 *   analysis: { interval: 2s, significance: 0.05, minRequests: 50, maxErrorRateIncrease: 0.005,
 *               maxLatencyRatio: 1.25, inconclusiveTimeout: 5m, latencyWarmup: 30s, latencyFloor: 2ms }
 * </pre>
 *
 * {@link #parse} reports every problem at once (unknown keys, bad durations, missing fields, a port
 * template without {@code {port}}), each naming its field.
 */
public record ServiceSpec(String name, String runtime, List<String> command, String portArg, int instances,
    Route route, Map<String, String> env, Probe readiness, Probe liveness, List<SmokeCheck> smoke,
    Verification verification, Duration readinessDeadline, Duration scaleDownDelay, String strategy, Canary canary,
    Versions versions) {

  /**
   * How side-by-side versions live and go.
   *
   * @param retireAfter a version that is not the default, not pinned, has no live lease and no client seen
   *     for this long is retired
   * @param drainTimeout after a retirement, how long in-flight requests get before the instances stop
   */
  public record Versions(Duration retireAfter, Duration drainTimeout) {
    public static final Versions DEFAULTS = new Versions(Duration.ofDays(14), Duration.ofSeconds(30));
    /** The floors any spec must meet; a server may ask more of retireAfter (gantry.versions.min-retire-after). */
    public static final Duration MIN_RETIRE_AFTER = Duration.ofSeconds(1);
    public static final Duration MIN_DRAIN_TIMEOUT = Duration.ofSeconds(1);
  }

  public static final String BLUE_GREEN = "blue-green";
  public static final String CANARY = "canary";

  /**
   * The canary strategy: ordered steps, who sees the canary, and how it is judged.
   *
   * @param steps run in order; after the last, all traffic goes to the canary (it becomes stable)
   */
  public record Canary(List<Step> steps, Cohort cohort, CanaryAnalysis.Settings analysis) {}

  /** One canary step. */
  public sealed interface Step {}

  /** Send percent of the users (sticky by user id) or requests (without one) to the canary. */
  public record SetWeight(int percent) implements Step {}

  /** Wait: for a duration, or (duration null) until someone promotes. */
  public record Pause(Duration duration) implements Step {}

  /** Run an analysis over the data since this step began; its pass gates the next step. */
  public record AnalysisStep() implements Step {}

  /**
   * Who sees the canary regardless of the weight, and where a user's id comes from.
   *
   * @param userHeader the request header carrying a user id (sticky share: a user keeps one version)
   * @param userCookie or a cookie carrying it (either may be null)
   * @param users user ids that always see the canary (a test population)
   * @param header a header whose value sends a request to the canary (with headerValue), or null
   * @param cookie a cookie whose value sends a request to the canary (with cookieValue), or null
   */
  public record Cohort(String userHeader, String userCookie, List<String> users, String header, String headerValue,
      String cookie, String cookieValue) {
    public static final Cohort DEFAULT = new Cohort("X-User-Id", null, List.of(), null, null, null, null);
  }

  /** How requests reach the service through the router. */
  public record Route(String host, String pathPrefix) {}

  /** An HTTP probe. */
  public record Probe(String path, Duration interval, Duration timeout, int successThreshold, int failureThreshold) {}

  /** A request sent through the preview route before the switch, with what the answer must be. */
  public record SmokeCheck(String method, String path, int expectStatus, String expectBodyContains) {}

  /**
   * The watch after the switch: for window, the new version's 5xx rate must stay at or below maxErrorRate
   * and its p99 at or below maxP99Ratio times the previous version's (once minRequests have been seen).
   */
  public record Verification(Duration window, BigDecimal maxErrorRate, BigDecimal maxP99Ratio, int minRequests) {}

  private static final Set<String> TOP = Set.of("name", "runtime", "command", "portArg", "instances", "route", "env",
      "readiness", "liveness", "smoke", "verification", "readinessDeadline", "scaleDownDelay", "strategy", "canary", "versions");
  private static final Set<String> VERSIONS = Set.of("retireAfter", "drainTimeout");
  private static final Set<String> CANARY_KEYS = Set.of("steps", "cohort", "analysis");
  private static final Set<String> COHORT = Set.of("userHeader", "userCookie", "users", "header", "cookie");
  private static final Set<String> MATCH = Set.of("name", "value");
  private static final Set<String> ANALYSIS = Set.of("interval", "significance", "minRequests",
      "maxErrorRateIncrease", "maxLatencyRatio", "inconclusiveTimeout", "latencyWarmup", "latencyFloor");
  /** A canary of more steps than this is a script, not a release plan. */
  static final int MAX_STEPS = 32;
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
  private static final Set<String> PROBE = Set.of("path", "interval", "timeout", "successThreshold", "failureThreshold");
  private static final Set<String> SMOKE = Set.of("method", "path", "expectStatus", "expectBodyContains");
  private static final Set<String> VERIFY = Set.of("window", "maxErrorRate", "maxP99Ratio", "minRequests");
  private static final Set<String> ROUTE = Set.of("host", "pathPrefix");
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");
  /** More instances than this on one machine is a mistake, not a plan. */
  static final int MAX_INSTANCES = 64;

  /** Parses and validates a spec given as JSON values (maps, lists, strings, numbers). */
  public static ServiceSpec parse(Map<String, Object> m) {
    return parse(m, false);
  }

  /**
   * Parses a spec already in the ledger (applied earlier): the rules added since specs could be stored (an
   * inconclusiveTimeout no longer than latencyWarmup + 2 × interval) refuse a new apply, but must not stop the
   * loop from carrying out, or rolling back, a deployment of a spec applied before them.
   */
  public static ServiceSpec parseStored(Map<String, Object> m) {
    return parse(m, true);
  }

  private static ServiceSpec parse(Map<String, Object> m, boolean stored) {
    Reader r = new Reader();
    r.stored = stored;
    r.keys("", m, TOP);
    String name = r.string(m, "name", null);
    if (name != null) {
      try {
        Names.check("name", name);
      } catch (IllegalArgumentException e) {
        r.problems.add(e.getMessage());
      }
    }
    String runtime = r.string(m, "runtime", "process");
    if (!runtime.equals("process")) {
      r.problems.add("runtime: '" + runtime + "' (expected: process; container and kubernetes come later)");
    }
    List<String> command = r.strings(m, "command");
    if (command != null && command.isEmpty()) {
      r.problems.add("command: empty (expected e.g. [\"{java}\", \"-jar\", \"{artifact}\"])");
    }
    if (command != null && command.stream().noneMatch(a -> a.contains("{artifact}"))) {
      r.problems.add("command: no {artifact} placeholder (the instance must run the deployed artifact)");
    }
    String portArg = r.string(m, "portArg", "");
    if (!portArg.isEmpty() && !portArg.contains("{port}")) {
      r.problems.add("portArg: '" + portArg + "' has no {port} placeholder");
    }
    int instances = r.integer(m, "instances", 1, 1, MAX_INSTANCES);
    Route route = new Route(null, name);
    if (m.get("route") instanceof Map<?, ?> rm) {
      Map<String, Object> rt = cast(rm);
      r.keys("route.", rt, ROUTE);
      route = new Route(r.string(rt, "host", null), r.string(rt, "pathPrefix", name));
    } else if (m.get("route") != null) {
      r.problems.add("route: expected an object {host, pathPrefix}");
    }
    if (route.pathPrefix() != null && !route.pathPrefix().matches("[a-z0-9][a-z0-9._-]{0,62}")) {
      r.problems.add("route.pathPrefix: '" + route.pathPrefix() + "' (expected one path segment: a-z 0-9 . _ -)");
    }
    Map<String, String> env = new TreeMap<>();
    if (m.get("env") instanceof Map<?, ?> em) {
      em.forEach((k, v) -> {
        if (!(k instanceof String ks) || !ks.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          r.problems.add("env: '" + k + "' is not a variable name");
        } else if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
          r.problems.add("env." + k + ": expected a string");
        } else if (ks.equals("PORT")) {
          r.problems.add("env.PORT: set by Gantry for each instance");
        } else {
          env.put(ks, String.valueOf(v));
        }
      });
    } else if (m.get("env") != null) {
      r.problems.add("env: expected an object of NAME: value");
    }
    Probe readiness = r.probe(m, "readiness", new Probe("/health", Duration.ofSeconds(1), Duration.ofMillis(500), 1, 3));
    Probe liveness = r.probe(m, "liveness", new Probe("/health", Duration.ofSeconds(5), Duration.ofSeconds(1), 1, 3));
    List<SmokeCheck> smoke = new ArrayList<>();
    if (m.get("smoke") instanceof List<?> sl) {
      for (int i = 0; i < sl.size(); i++) {
        if (!(sl.get(i) instanceof Map<?, ?> sm)) {
          r.problems.add("smoke[" + i + "]: expected an object");
          continue;
        }
        Map<String, Object> s = cast(sm);
        String f = "smoke[" + i + "].";
        r.keys(f, s, SMOKE);
        String method = r.string(s, "method", "GET", f);
        if (!Set.of("GET", "HEAD", "POST", "PUT", "DELETE").contains(method)) {
          r.problems.add(f + "method: '" + method + "' (expected GET, HEAD, POST, PUT or DELETE)");
        }
        String path = r.string(s, "path", null, f);
        if (path != null && !path.startsWith("/")) {
          r.problems.add(f + "path: '" + path + "' (expected to start with /)");
        }
        smoke.add(new SmokeCheck(method, path, r.integer(s, "expectStatus", 200, 100, 599, f),
            r.string(s, "expectBodyContains", null, f)));
      }
    } else if (m.get("smoke") != null) {
      r.problems.add("smoke: expected a list of checks");
    }
    Verification verification = new Verification(Duration.ofSeconds(30), new BigDecimal("0.01"), new BigDecimal("2.0"), 20);
    if (m.get("verification") instanceof Map<?, ?> vm) {
      Map<String, Object> v = cast(vm);
      r.keys("verification.", v, VERIFY);
      verification = new Verification(r.duration(v, "window", verification.window(), "verification."),
          r.decimal(v, "maxErrorRate", verification.maxErrorRate(), BigDecimal.ZERO, BigDecimal.ONE, "verification."),
          r.decimal(v, "maxP99Ratio", verification.maxP99Ratio(), BigDecimal.ONE, new BigDecimal(1000), "verification."),
          r.integer(v, "minRequests", verification.minRequests(), 1, 1_000_000, "verification."));
    } else if (m.get("verification") != null) {
      r.problems.add("verification: expected an object {window, maxErrorRate, maxP99Ratio, minRequests}");
    }
    Duration readinessDeadline = r.duration(m, "readinessDeadline", Duration.ofMinutes(2), "");
    Duration scaleDownDelay = r.duration(m, "scaleDownDelay", Duration.ofMinutes(5), "");
    String strategy = r.string(m, "strategy", BLUE_GREEN);
    Canary canary = null;
    if (!strategy.equals(BLUE_GREEN) && !strategy.equals(CANARY)) {
      r.problems.add("strategy: '" + strategy + "' (expected: blue-green or canary)");
    } else if (strategy.equals(CANARY)) {
      canary = r.canary(m.get("canary"));
    } else if (m.get("canary") != null) {
      r.problems.add("canary: set, but strategy is blue-green (expected: strategy: canary)");
    }
    Versions versions = Versions.DEFAULTS;
    if (m.get("versions") instanceof Map<?, ?> vmap) {
      Map<String, Object> v = cast(vmap);
      r.keys("versions.", v, VERSIONS);
      versions = new Versions(r.duration(v, "retireAfter", Versions.DEFAULTS.retireAfter(), "versions."),
          r.duration(v, "drainTimeout", Versions.DEFAULTS.drainTimeout(), "versions."));
      // 0s would retire every version the moment it stops being the default, and stop a retired one's
      // instances with its requests still in flight. The server asks more of retireAfter (a minute) at apply.
      // Rules of apply, not of reading: a spec stored before a floor existed is still carried out.
      if (!r.stored && versions.retireAfter().compareTo(Versions.MIN_RETIRE_AFTER) < 0) {
        r.problems.add("versions.retireAfter: " + format(versions.retireAfter()) + " (expected: at least "
            + format(Versions.MIN_RETIRE_AFTER) + "; how long a version may go without clients, e.g. 14d)");
      }
      if (!r.stored && versions.drainTimeout().compareTo(Versions.MIN_DRAIN_TIMEOUT) < 0) {
        r.problems.add("versions.drainTimeout: " + format(versions.drainTimeout()) + " (expected: at least "
            + format(Versions.MIN_DRAIN_TIMEOUT) + "; how long requests in flight get to finish, e.g. 30s)");
      }
    } else if (m.get("versions") != null) {
      r.problems.add("versions: expected an object {retireAfter, drainTimeout}");
    }
    if (!r.problems.isEmpty()) {
      throw new SpecException(r.problems);
    }
    return new ServiceSpec(name, runtime, List.copyOf(command), portArg, instances, route, Map.copyOf(env), readiness,
        liveness, List.copyOf(smoke), verification, readinessDeadline, scaleDownDelay, strategy, canary, versions);
  }

  /** The spec as JSON values, in the form {@link #parse} reads (durations as text, ratios as decimal text). */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("runtime", runtime);
    m.put("command", command);
    if (!portArg.isEmpty()) {
      m.put("portArg", portArg);
    }
    m.put("instances", (long) instances);
    Map<String, Object> rt = new LinkedHashMap<>();
    if (route.host() != null) {
      rt.put("host", route.host());
    }
    rt.put("pathPrefix", route.pathPrefix());
    m.put("route", rt);
    m.put("env", new TreeMap<>(env));
    m.put("readiness", probeJson(readiness));
    m.put("liveness", probeJson(liveness));
    List<Object> s = new ArrayList<>();
    for (SmokeCheck c : smoke) {
      Map<String, Object> cm = new LinkedHashMap<>();
      cm.put("method", c.method());
      cm.put("path", c.path());
      cm.put("expectStatus", (long) c.expectStatus());
      if (c.expectBodyContains() != null) {
        cm.put("expectBodyContains", c.expectBodyContains());
      }
      s.add(cm);
    }
    m.put("smoke", s);
    m.put("verification", Map.of("window", format(verification.window()), "maxErrorRate",
        verification.maxErrorRate().toPlainString(), "maxP99Ratio", verification.maxP99Ratio().toPlainString(),
        "minRequests", (long) verification.minRequests()));
    m.put("readinessDeadline", format(readinessDeadline));
    m.put("scaleDownDelay", format(scaleDownDelay));
    if (canary != null) {
      m.put("strategy", strategy);
      m.put("canary", canaryJson(canary));
    }
    m.put("versions", Map.of("retireAfter", format(versions.retireAfter()), "drainTimeout",
        format(versions.drainTimeout())));
    return m;
  }

  private static Map<String, Object> canaryJson(Canary c) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Object> steps = new ArrayList<>();
    for (Step st : c.steps()) {
      steps.add(switch (st) {
        case SetWeight w -> Map.of("setWeight", (long) w.percent());
        case Pause p -> Map.of("pause", p.duration() == null ? "untilPromoted" : format(p.duration()));
        case AnalysisStep a -> Map.of("analysis", Map.of());
      });
    }
    m.put("steps", steps);
    Cohort co = c.cohort();
    Map<String, Object> cm = new LinkedHashMap<>();
    if (co.userHeader() != null) {
      cm.put("userHeader", co.userHeader());
    }
    if (co.userCookie() != null) {
      cm.put("userCookie", co.userCookie());
    }
    cm.put("users", co.users());
    if (co.header() != null) {
      cm.put("header", Map.of("name", co.header(), "value", co.headerValue()));
    }
    if (co.cookie() != null) {
      cm.put("cookie", Map.of("name", co.cookie(), "value", co.cookieValue()));
    }
    m.put("cohort", cm);
    CanaryAnalysis.Settings a = c.analysis();
    Map<String, Object> am = new LinkedHashMap<>();
    am.put("interval", format(a.interval()));
    am.put("significance", decimal(a.significance()));
    am.put("minRequests", (long) a.minRequests());
    am.put("maxErrorRateIncrease", decimal(a.maxErrorRateIncrease()));
    am.put("maxLatencyRatio", decimal(a.maxLatencyRatio()));
    am.put("inconclusiveTimeout", format(a.inconclusiveTimeout()));
    am.put("latencyWarmup", format(a.latencyWarmup()));
    am.put("latencyFloor", format(a.latencyFloor()));
    m.put("analysis", am);
    return m;
  }

  private static String decimal(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  /** Whether this service is released as a canary. */
  public boolean isCanary() {
    return canary != null;
  }

  private static Map<String, Object> probeJson(Probe p) {
    return Map.of("path", p.path(), "interval", format(p.interval()), "timeout", format(p.timeout()),
        "successThreshold", (long) p.successThreshold(), "failureThreshold", (long) p.failureThreshold());
  }

  /** A duration in the spec's own notation (ms, s, m, h). */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** Parses 500ms, 30s, 5m, 2h, 14d. */
  public static Duration parseDuration(String text) {
    Matcher mm = DURATION.matcher(text == null ? "" : text);
    if (!mm.matches()) {
      throw new IllegalArgumentException("'" + text + "' (expected a number and ms, s, m, h or d, e.g. 30s)");
    }
    long n = Long.parseLong(mm.group(1));
    return switch (mm.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  /** Collects problems instead of stopping at the first. */
  private static final class Reader {
    final List<String> problems = new ArrayList<>();
    /** A spec from the ledger: rules added later are not applied to it (see {@link #parseStored}). */
    boolean stored;

    void keys(String prefix, Map<String, Object> m, Set<String> allowed) {
      for (String k : m.keySet()) {
        if (!allowed.contains(k)) {
          problems.add(prefix + k + ": unknown key (expected one of " + new TreeMap<>(
              allowed.stream().collect(java.util.stream.Collectors.toMap(x -> x, x -> x))).keySet() + ")");
        }
      }
    }

    String string(Map<String, Object> m, String k, String dflt) {
      return string(m, k, dflt, "");
    }

    String string(Map<String, Object> m, String k, String dflt, String prefix) {
      Object v = m.get(k);
      if (v == null) {
        if (dflt == null && (k.equals("name") || k.equals("path"))) {
          problems.add(prefix + k + ": required");
        }
        return dflt;
      }
      if (!(v instanceof String s)) {
        problems.add(prefix + k + ": expected a string");
        return dflt;
      }
      return s;
    }

    List<String> strings(Map<String, Object> m, String k) {
      Object v = m.get(k);
      if (v == null) {
        problems.add(k + ": required (the command that runs an instance)");
        return null;
      }
      if (!(v instanceof List<?> l) || !l.stream().allMatch(o -> o instanceof String)) {
        problems.add(k + ": expected a list of strings");
        return null;
      }
      return l.stream().map(String.class::cast).toList();
    }

    int integer(Map<String, Object> m, String k, int dflt, int min, int max) {
      return integer(m, k, dflt, min, max, "");
    }

    int integer(Map<String, Object> m, String k, int dflt, int min, int max, String prefix) {
      Object v = m.get(k);
      if (v == null) {
        return dflt;
      }
      if (!(v instanceof Long || v instanceof Integer)) {
        problems.add(prefix + k + ": '" + v + "' (expected an integer " + min + ".." + max + ")");
        return dflt;
      }
      long n = ((Number) v).longValue();
      if (n < min || n > max) {
        problems.add(prefix + k + ": " + n + " (expected: " + min + ".." + max + ")");
        return dflt;
      }
      return (int) n;
    }

    BigDecimal decimal(Map<String, Object> m, String k, BigDecimal dflt, BigDecimal min, BigDecimal max, String prefix) {
      Object v = m.get(k);
      if (v == null) {
        return dflt;
      }
      BigDecimal d;
      try {
        d = v instanceof BigDecimal b ? b : new BigDecimal(String.valueOf(v));
      } catch (NumberFormatException e) {
        problems.add(prefix + k + ": '" + v + "' (expected a number)");
        return dflt;
      }
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        problems.add(prefix + k + ": " + d.toPlainString() + " (expected: " + min + ".." + max + ")");
        return dflt;
      }
      return d;
    }

    Duration duration(Map<String, Object> m, String k, Duration dflt, String prefix) {
      Object v = m.get(k);
      if (v == null) {
        return dflt;
      }
      try {
        return parseDuration(v instanceof String s ? s : String.valueOf(v));
      } catch (IllegalArgumentException e) {
        problems.add(prefix + k + ": " + e.getMessage());
        return dflt;
      }
    }

    Canary canary(Object v) {
      if (v == null) {
        problems.add("canary: required when strategy is canary (expected: {steps, cohort, analysis})");
        return null;
      }
      if (!(v instanceof Map<?, ?> cmap)) {
        problems.add("canary: expected an object {steps, cohort, analysis}");
        return null;
      }
      Map<String, Object> c = cast(cmap);
      keys("canary.", c, CANARY_KEYS);
      List<Step> steps = new ArrayList<>();
      if (!(c.get("steps") instanceof List<?> sl) || sl.isEmpty()) {
        problems.add("canary.steps: required, a list such as [{setWeight: 10}, {pause: 1m}, {analysis: {}}]");
      } else if (sl.size() > MAX_STEPS) {
        problems.add("canary.steps: " + sl.size() + " steps (expected: at most " + MAX_STEPS + ")");
      } else {
        int lastWeight = 0;
        for (int i = 0; i < sl.size(); i++) {
          String f = "canary.steps[" + i + "]";
          if (!(sl.get(i) instanceof Map<?, ?> sm) || sm.size() != 1) {
            problems.add(f + ": expected one of {setWeight: N}, {pause: 30s | untilPromoted}, {analysis: {}}");
            continue;
          }
          Map<String, Object> st = cast(sm);
          String kind = st.keySet().iterator().next();
          Object arg = st.get(kind);
          switch (kind) {
            case "setWeight" -> {
              if (!(arg instanceof Long || arg instanceof Integer) || ((Number) arg).longValue() < 0
                  || ((Number) arg).longValue() > 100) {
                problems.add(f + ".setWeight: '" + arg + "' (expected: an integer percent 0..100)");
              } else {
                int w = ((Number) arg).intValue();
                if (w < lastWeight) {
                  // Sticky users would flip back to stable: weights only grow during a canary.
                  problems.add(f + ".setWeight: " + w + " after " + lastWeight
                      + " (expected: weights that do not decrease, so no user switches back)");
                }
                lastWeight = w;
                steps.add(new SetWeight(w));
              }
            }
            case "pause" -> {
              if ("untilPromoted".equals(arg) || (arg instanceof Map<?, ?> pm && pm.isEmpty())) {
                steps.add(new Pause(null));
              } else if (arg instanceof String ps) {
                try {
                  steps.add(new Pause(parseDuration(ps)));
                } catch (IllegalArgumentException e) {
                  problems.add(f + ".pause: " + e.getMessage() + " or untilPromoted");
                }
              } else {
                problems.add(f + ".pause: '" + arg + "' (expected: a duration such as 30s, or untilPromoted)");
              }
            }
            case "analysis" -> {
              if (arg != null && !(arg instanceof Map<?, ?> am && am.isEmpty())) {
                problems.add(f + ".analysis: expected {} (the settings are in canary.analysis)");
              }
              steps.add(new AnalysisStep());
            }
            default -> problems.add(f + ": unknown step '" + kind + "' (expected: setWeight, pause or analysis)");
          }
        }
      }
      Cohort cohort = Cohort.DEFAULT;
      if (c.get("cohort") instanceof Map<?, ?> com) {
        Map<String, Object> co = cast(com);
        keys("canary.cohort.", co, COHORT);
        String userHeader = header(co, "userHeader", co.containsKey("userCookie") ? null : "X-User-Id");
        String userCookie = header(co, "userCookie", null);
        List<String> users = List.of();
        if (co.get("users") instanceof List<?> ul && ul.stream().allMatch(u -> u instanceof String us && !us.isBlank()
            && us.length() <= 128)) {
          users = ul.stream().map(String.class::cast).distinct().sorted().toList();
        } else if (co.get("users") != null) {
          problems.add("canary.cohort.users: expected a list of user ids (1..128 characters)");
        }
        String[] header = match(co, "header");
        String[] cookie = match(co, "cookie");
        cohort = new Cohort(userHeader, userCookie, users, header[0], header[1], cookie[0], cookie[1]);
      } else if (c.get("cohort") != null) {
        problems.add("canary.cohort: expected an object {userHeader, userCookie, users, header, cookie}");
      }
      CanaryAnalysis.Settings d = CanaryAnalysis.Settings.DEFAULTS;
      CanaryAnalysis.Settings analysis = d;
      if (c.get("analysis") instanceof Map<?, ?> amap) {
        Map<String, Object> a = cast(amap);
        String f = "canary.analysis.";
        keys(f, a, ANALYSIS);
        analysis = new CanaryAnalysis.Settings(duration(a, "interval", d.interval(), f),
            decimal(a, "significance", BigDecimal.valueOf(d.significance()), new BigDecimal("0.0001"),
                new BigDecimal("0.5"), f).doubleValue(),
            integer(a, "minRequests", d.minRequests(), 10, 1_000_000, f),
            decimal(a, "maxErrorRateIncrease", BigDecimal.valueOf(d.maxErrorRateIncrease()), BigDecimal.ZERO,
                BigDecimal.ONE, f).doubleValue(),
            decimal(a, "maxLatencyRatio", BigDecimal.valueOf(d.maxLatencyRatio()), BigDecimal.ONE,
                new BigDecimal(100), f).doubleValue(),
            duration(a, "inconclusiveTimeout", d.inconclusiveTimeout(), f),
            duration(a, "latencyWarmup", d.latencyWarmup(), f),
            duration(a, "latencyFloor", d.latencyFloor(), f));
        if (analysis.interval().compareTo(Duration.ofMillis(200)) < 0) {
          problems.add(f + "interval: " + format(analysis.interval()) + " (expected: at least 200ms, the loop's tick)");
        }
        // Latency is not tested before latencyWarmup, so every run until then is inconclusive; the first run
        // that can test it comes up to one interval after the warm-up's end (its latency baseline is taken then)
        // and one more interval later (the window after that baseline). A shorter timeout pauses every
        // canary, healthy or not, for a human before it could ever pass.
        Duration least = analysis.latencyWarmup().plus(analysis.interval().multipliedBy(2));
        if (!stored && analysis.inconclusiveTimeout().compareTo(least) <= 0) {
          problems.add(f + "inconclusiveTimeout: " + format(analysis.inconclusiveTimeout()) + " (expected: more than"
              + " latencyWarmup + 2 × interval = " + format(analysis.latencyWarmup()) + " + 2 × "
              + format(analysis.interval()) + " = " + format(least) + "; latency is not tested before the warm-up"
              + " ends, so a shorter timeout pauses even a healthy canary for a human)");
        }
      } else if (c.get("analysis") != null) {
        problems.add("canary.analysis: expected an object {interval, significance, minRequests, ...}");
      }
      return new Canary(List.copyOf(steps), cohort, analysis);
    }

    private String header(Map<String, Object> m, String k, String dflt) {
      Object v = m.get(k);
      if (v == null) {
        return dflt;
      }
      if (!(v instanceof String s) || !HEADER_NAME.matcher(s).matches()) {
        problems.add("canary.cohort." + k + ": '" + v + "' (expected: a header or cookie name)");
        return dflt;
      }
      return s;
    }

    private String[] match(Map<String, Object> m, String k) {
      Object v = m.get(k);
      if (v == null) {
        return new String[2];
      }
      if (!(v instanceof Map<?, ?> mm)) {
        problems.add("canary.cohort." + k + ": expected {name, value}");
        return new String[2];
      }
      Map<String, Object> o = cast(mm);
      keys("canary.cohort." + k + ".", o, MATCH);
      if (!(o.get("name") instanceof String n) || !HEADER_NAME.matcher(n).matches()) {
        problems.add("canary.cohort." + k + ".name: '" + o.get("name") + "' (expected: a " + k + " name)");
        return new String[2];
      }
      if (!(o.get("value") instanceof String val) || val.isEmpty()) {
        problems.add("canary.cohort." + k + ".value: required (the value that sends a request to the canary)");
        return new String[2];
      }
      return new String[] {n, val};
    }

    Probe probe(Map<String, Object> m, String k, Probe dflt) {
      Object v = m.get(k);
      if (v == null) {
        return dflt;
      }
      if (!(v instanceof Map<?, ?> pm)) {
        problems.add(k + ": expected an object {path, interval, timeout, successThreshold, failureThreshold}");
        return dflt;
      }
      Map<String, Object> p = cast(pm);
      String f = k + ".";
      keys(f, p, PROBE);
      String path = string(p, "path", dflt.path(), f);
      if (!path.startsWith("/")) {
        problems.add(f + "path: '" + path + "' (expected to start with /)");
      }
      Duration interval = duration(p, "interval", dflt.interval(), f);
      Duration timeout = duration(p, "timeout", dflt.timeout(), f);
      if (timeout.compareTo(interval) > 0) {
        problems.add(f + "timeout: " + format(timeout) + " is longer than the interval " + format(interval));
      }
      return new Probe(path, interval, timeout, integer(p, "successThreshold", dflt.successThreshold(), 1, 100, f),
          integer(p, "failureThreshold", dflt.failureThreshold(), 1, 100, f));
    }
  }
}
