package dev.gantry.core.policy;

import dev.gantry.core.deploy.ServiceSpec;
import dev.gantry.core.ledger.LedgerStore.CommitRecord;
import dev.gantry.core.ledger.LedgerStore.DeploymentRecord;
import dev.gantry.core.ledger.LedgerStore.TestRunRecord;
import dev.gantry.core.policy.DeployWindow.Kind;
import dev.gantry.core.policy.Environment.Rules;
import dev.gantry.core.policy.ReleaseContext.JudgedApproval;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Evaluates an environment's rules for one release: {@code (definition, context) → verdict per rule}.
 * Pure: no clock, no I/O; the context carries the instant and every fact. Each verdict says why, and a
 * failed one says what would satisfy it.
 *
 * <pre>
 *  environment ──┐
 *                ├─▶ promotion ▸ windows ▸ fullSuite ▸ noFailedTests ▸ requirementsLinked
 *  context ──────┘     ▸ provenance ▸ sbom ▸ approvals ▸ notRejected ▸ cel:* ──▶ PolicyDecision
 * </pre>
 */
public final class PolicyEvaluator {
  /** A chain of back-to-back freezes longer than this many is reported at its last known end. */
  private static final int MAX_CHAINED_FREEZES = 100;

  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
  private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("HH:mm'Z'").withZone(ZoneOffset.UTC);

  private PolicyEvaluator() {}

  public static PolicyDecision evaluate(Environment env, ReleaseContext ctx) {
    List<RuleVerdict> out = new ArrayList<>();
    String serial = ctx.artifact().serial();
    String service = ctx.artifact().service();
    if (!env.requires().isEmpty()) {
      out.add(promotion(env, ctx, serial, service));
    }
    if (!env.windows().isEmpty()) {
      out.add(windows(env, ctx.now()));
    }
    Rules r = env.rules();
    if (r.fullSuite() != null) {
      out.add(fullSuite(r.fullSuite(), ctx, serial));
    }
    if (r.noFailedTests() != null) {
      out.add(noFailedTests(r.noFailedTests(), ctx, serial));
    }
    if (r.requirementsLinked()) {
      out.add(requirementsLinked(ctx, serial));
    }
    if (r.provenance()) {
      out.add(ctx.provenance().verified()
          ? RuleVerdict.pass("provenance", "signed provenance verifies and names sha256:"
              + ctx.artifact().stampedDigest())
          : RuleVerdict.fail("provenance", ctx.provenance().present() ? "provenance does not verify: "
              + ctx.provenance().problem() : "no provenance recorded for " + serial,
              "register the artifact again through Gantry so it signs provenance for these bytes"));
    }
    if (r.sbom() != null) {
      out.add(sbom(r.sbom(), ctx, serial));
    }
    if (r.approvals() != null) {
      out.add(approvals(r.approvals(), ctx, env.name(), service, serial));
    }
    if (r.notRejected()) {
      out.add(notRejected(ctx, env.name(), serial));
    }
    if (!env.custom().isEmpty()) {
      Map<String, Object> vars = ctx.celVariables(env);
      for (Environment.CustomRule c : env.custom()) {
        out.add(custom(c, vars));
      }
    }
    return new PolicyDecision(env.name(), out);
  }

  private static RuleVerdict promotion(Environment env, ReleaseContext ctx, String serial, String service) {
    List<String> done = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String req : env.requires()) {
      Optional<DeploymentRecord> d = ctx.deployments().stream()
          .filter(x -> x.environment().equals(req) && x.phase().equals("COMPLETE")).findFirst();
      if (d.isPresent()) {
        done.add(req + " (" + d.get().id() + ")");
      } else {
        missing.add(req);
      }
    }
    if (missing.isEmpty()) {
      return RuleVerdict.pass("promotion", serial + " completed in " + String.join(", ", done));
    }
    return RuleVerdict.fail("promotion", serial + " has no COMPLETE deployment in " + String.join(", ", missing),
        String.join("; ", missing.stream().map(m -> "deploy it to " + m + " first (gantry deploy " + service
            + " --serial " + serial + " --env " + m + ") and let it complete").toList()));
  }

  /** Freezes (deny) refuse with the time the freeze ends; allow windows refuse outside them with the next opening. */
  static RuleVerdict windows(Environment env, Instant now) {
    List<DeployWindow> deny = env.windows().stream().filter(w -> w.kind() == Kind.DENY).toList();
    List<DeployWindow> allow = env.windows().stream().filter(w -> w.kind() == Kind.ALLOW).toList();
    // Which freeze holds now, and when does the last of any back-to-back freezes end?
    DeployWindow first = null;
    Instant t = now;
    for (int i = 0; i < MAX_CHAINED_FREEZES; i++) {
      DeployWindow holding = null;
      Instant end = null;
      for (DeployWindow w : deny) {
        Optional<Instant> e = w.activeUntil(t);
        if (e.isPresent() && (end == null || e.get().isAfter(end))) {
          end = e.get();
          holding = w;
        }
      }
      if (holding == null) {
        break;
      }
      if (first == null) {
        first = holding;
      }
      t = end;
    }
    if (first != null) {
      return RuleVerdict.fail("windows", "frozen by " + first.describe()
          + (first.reason().isEmpty() ? "" : " — " + first.reason()) + "; the freeze ends at " + when(t, first.zone()),
          "deploy at or after " + when(t, first.zone()));
    }
    if (!allow.isEmpty()) {
      Optional<DeployWindow> open = allow.stream().filter(w -> w.activeUntil(now).isPresent()).findFirst();
      if (open.isPresent()) {
        return RuleVerdict.pass("windows", "inside " + open.get().describe() + ", no freeze");
      }
      Instant next = null;
      DeployWindow nextW = null;
      for (DeployWindow w : allow) {
        Optional<Instant> s = w.nextStart(now);
        if (s.isPresent() && (next == null || s.get().isBefore(next))) {
          next = s.get();
          nextW = w;
        }
      }
      return RuleVerdict.fail("windows", "outside every allowed window ("
          + String.join(", ", allow.stream().map(DeployWindow::describe).toList()) + ")",
          next == null ? "no allowed window opens in the next " + DeployWindow.LOOKAHEAD.toDays() + " days"
              : "deploy when " + nextW.name() + " opens at " + when(next, nextW.zone()));
    }
    return RuleVerdict.pass("windows", "no freeze in force");
  }

  static String when(Instant t, ZoneId zone) {
    return LOCAL.format(t.atZone(zone)) + " " + zone.getId() + " (" + UTC.format(t) + ")";
  }

  private static RuleVerdict fullSuite(Environment.FullSuite p, ReleaseContext ctx, String serial) {
    String rule = "fullSuite";
    TestRunRecord t = ctx.latestRuns().get(p.suite());
    String how = "record passing " + p.suite() + " suite evidence for this artifact (gantry artifact tests " + serial
        + " --tests target/failsafe-reports --suite " + p.suite() + ")";
    if (t == null) {
      List<String> have = List.copyOf(ctx.latestRuns().keySet());
      return RuleVerdict.fail(rule, "no " + p.suite() + " suite evidence for " + serial + " (sha256:"
          + ctx.artifact().stampedDigest() + ")" + (have.isEmpty() ? "" : "; only " + String.join(", ", have)
          + " (not enough)"), how);
    }
    if (t.failures() + t.errors() > 0) {
      return RuleVerdict.fail(rule, p.suite() + " run " + t.run() + ": " + t.failures() + " failed, " + t.errors()
          + " errors of " + t.tests(), how);
    }
    if (t.tests() < p.minTests()) {
      return RuleVerdict.fail(rule, p.suite() + " run " + t.run() + " has " + t.tests() + " tests (expected at least "
          + p.minTests() + ")", how);
    }
    return RuleVerdict.pass(rule, p.suite() + " run " + t.run() + " passed: " + t.tests() + " tests, " + t.skipped()
        + " skipped, recorded " + t.recordedAt() + " by " + t.recordedBy());
  }

  private static RuleVerdict noFailedTests(Environment.NoFailedTests p, ReleaseContext ctx, String serial) {
    String rule = "noFailedTests";
    List<TestRunRecord> runs = p.allRuns() ? ctx.tests() : List.copyOf(ctx.latestRuns().values());
    if (runs.isEmpty()) {
      return RuleVerdict.fail(rule, "no test evidence for " + serial,
          "record test evidence (gantry artifact tests " + serial + " --tests DIR --suite smoke|full)");
    }
    List<String> bad = runs.stream().filter(t -> t.failures() + t.errors() > 0)
        .map(t -> t.suite() + " run " + t.run() + " (" + t.failures() + " failed, " + t.errors() + " errors)").toList();
    if (!bad.isEmpty()) {
      return RuleVerdict.fail(rule, "failed tests in " + String.join(", ", bad), p.allRuns()
          ? "a new artifact whose every run passes (allRuns: a failed run is never forgotten)"
          : "fix the tests and record a passing run of the same suite");
    }
    return RuleVerdict.pass(rule, p.allRuns() ? "all " + runs.size() + " runs without failures"
        : "latest run of " + String.join(", ", runs.stream().map(TestRunRecord::suite).toList()) + " without failures");
  }

  private static RuleVerdict requirementsLinked(ReleaseContext ctx, String serial) {
    String rule = "requirementsLinked";
    if (ctx.commits().isEmpty()) {
      return RuleVerdict.fail(rule, "no commits recorded for " + serial + " (registered without git?)",
          "register the artifact from its git repository so its commits are recorded");
    }
    List<String> unlinked = ctx.commits().stream().filter(c -> c.requirements().isEmpty())
        .map(c -> c.id().substring(0, Math.min(12, c.id().length()))).toList();
    if (!unlinked.isEmpty()) {
      return RuleVerdict.fail(rule, unlinked.size() + " of " + ctx.commits().size()
          + " commits name no requirement: " + String.join(", ", unlinked),
          "a new artifact whose commits each name a requirement (gantry commits check --range ...)");
    }
    TreeSet<String> reqs = new TreeSet<>();
    for (CommitRecord c : ctx.commits()) {
      reqs.addAll(c.requirements());
    }
    return RuleVerdict.pass(rule, ctx.commits().size() + " commits, each linked: " + String.join(", ", reqs));
  }

  private static RuleVerdict sbom(Environment.Sbom p, ReleaseContext ctx, String serial) {
    if (ctx.artifact().sbomDigest() == null) {
      return RuleVerdict.fail("sbom", "no SBOM recorded for " + serial,
          "register the artifact with its CycloneDX SBOM (--sbom)");
    }
    if (ctx.components().size() < p.minComponents()) {
      return RuleVerdict.fail("sbom", "the SBOM lists " + ctx.components().size() + " components (expected at least "
          + p.minComponents() + ")", "register the artifact with a complete SBOM");
    }
    return RuleVerdict.pass("sbom", "SBOM sha256:" + ctx.artifact().sbomDigest() + " with "
        + ctx.components().size() + " components");
  }

  private static RuleVerdict approvals(Environment.Approvals p, ReleaseContext ctx, String env, String service,
      String serial) {
    TreeSet<String> valid = new TreeSet<>();
    List<String> notCounted = new ArrayList<>();
    for (JudgedApproval j : ctx.approvals()) {
      if (!j.record().decision().equals(ApprovalRules.APPROVE)) {
        continue;
      }
      if (j.valid()) {
        valid.add(j.record().account());
      } else {
        notCounted.add(j.record().account() + ": " + j.why());
      }
    }
    String counted = valid.isEmpty() ? "none" : String.join(", ", valid);
    String extra = notCounted.isEmpty() ? "" : "; not counted: " + String.join("; ", notCounted);
    if (ctx.commits().isEmpty()) {
      if (p.knownAuthors()) {
        return RuleVerdict.fail("approvals", "the authors of " + serial + " are unknown (registered without its"
            + " commits), so nobody can tell whether an approver wrote the change",
            "register the build with its git history (gantry artifact register --git DIR)");
      }
      extra += "; authors unknown (no commits recorded): only the registrant is excluded";
    }
    if (valid.size() >= p.count()) {
      return RuleVerdict.pass("approvals", valid.size() + " of " + p.count() + " approvals for " + env + ": " + counted
          + " (each valid for " + ServiceSpec.format(p.expiresAfter()) + ")" + extra);
    }
    int need = p.count() - valid.size();
    return RuleVerdict.fail("approvals", valid.size() + " of " + p.count() + " approvals for " + env + " ("
        + counted + ")" + extra, need + " more approval" + (need == 1 ? "" : "s") + " by distinct humans with the"
        + " approver role who neither registered nor authored " + serial + " (gantry approve " + service
        + " --serial " + serial + " --env " + env + ")");
  }

  private static RuleVerdict notRejected(ReleaseContext ctx, String env, String serial) {
    List<String> by = ctx.approvals().stream().filter(j -> j.record().decision().equals(ApprovalRules.REJECT))
        .map(j -> j.record().account() + (j.record().comment() == null || j.record().comment().isEmpty() ? ""
            : " (\"" + j.record().comment() + "\")")).toList();
    if (by.isEmpty()) {
      return RuleVerdict.pass("notRejected", "no rejection of " + serial + " for " + env);
    }
    return RuleVerdict.fail("notRejected", serial + " was rejected for " + env + " by " + String.join(", ", by),
        "a new artifact: a rejection stands for this digest and environment");
  }

  private static RuleVerdict custom(Environment.CustomRule c, Map<String, Object> vars) {
    String rule = "cel:" + c.name();
    try {
      boolean ok = CelRules.evaluate(c.expression(), vars);
      return ok ? RuleVerdict.pass(rule, c.expression() + " is true")
          : RuleVerdict.fail(rule, c.expression() + " is false", c.message().isEmpty() ? "make it true" : c.message());
    } catch (IllegalArgumentException e) {
      return RuleVerdict.fail(rule, c.expression() + " could not be evaluated: " + e.getMessage(),
          c.message().isEmpty() ? "fix the expression or the release" : c.message());
    }
  }
}
