package dev.gantry.core.policy;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.core.ledger.LedgerStore.ApprovalRecord;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.ledger.LedgerStore.CommitRecord;
import dev.gantry.core.ledger.LedgerStore.ComponentRecord;
import dev.gantry.core.ledger.LedgerStore.DeploymentRecord;
import dev.gantry.core.ledger.LedgerStore.StateView;
import dev.gantry.core.ledger.LedgerStore.TestRunRecord;
import dev.gantry.core.provenance.Dsse;
import dev.gantry.core.provenance.EcKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything the policy may look at for one release (an artifact into an environment at an instant):
 * the facts, gathered once from the state inside the append transaction, so the evaluation is a pure
 * function of this value and the environment's definition.
 *
 * @param approvals every approval and rejection for this artifact and environment, each judged
 *     (still counts or not, and why) at {@code now}
 */
public record ReleaseContext(ArtifactRecord artifact, String environment, List<CommitRecord> commits,
    List<TestRunRecord> tests, List<ComponentRecord> components, ProvenanceCheck provenance,
    List<JudgedApproval> approvals, List<DeploymentRecord> deployments, Instant now) {

  public ReleaseContext {
    commits = List.copyOf(commits);
    tests = List.copyOf(tests);
    components = List.copyOf(components);
    approvals = List.copyOf(approvals);
    deployments = List.copyOf(deployments);
  }

  /** Whether signed provenance is present and verifies, and its subject is the stamped digest. */
  public record ProvenanceCheck(boolean present, boolean verified, String problem) {}

  /** An approval or rejection with whether it counts now ({@code valid}) and, if not, why. */
  public record JudgedApproval(ApprovalRecord record, boolean valid, String why, Instant expiresAt) {}

  /**
   * Gathers the context from state. Approvals are re-judged now: expired ones, and ones whose approver has
   * since been disabled, lost the approver role or turned out to be an author, no longer count.
   */
  public static ReleaseContext gather(StateView st, ArtifactRecord a, Environment env, EcKey provenanceKey,
      Instant now) {
    return gather(st, a, env, provenance(a, provenanceKey), now);
  }

  /** The same with the provenance check given (an audit replay takes it as recorded: it has no key). */
  public static ReleaseContext gather(StateView st, ArtifactRecord a, Environment env, ProvenanceCheck provenance,
      Instant now) {
    List<CommitRecord> commits = st.commits(a.serial());
    List<JudgedApproval> judged = new ArrayList<>();
    for (ApprovalRecord r : st.approvals(a.serial(), env.name())) {
      if (!r.digest().equals(a.stampedDigest())) {
        continue; // approvals are bound to the digest (a serial names one digest; this is belt and braces)
      }
      Instant at = Instant.parse(r.decidedAt());
      Instant expires = at.plus(env.approvalExpiry());
      Optional<AccountRecord> who = st.account(r.account());
      List<String> problems = who.map(acc -> ApprovalRules.whoMayDecide(acc, a, commits)).orElse(
          List.of("account '" + r.account() + "' no longer exists"));
      boolean valid;
      String why;
      if (r.decision().equals(ApprovalRules.REJECT)) {
        valid = true; // a rejection stands until a new artifact, whoever made it
        why = "";
      } else if (!problems.isEmpty()) {
        valid = false;
        why = String.join("; ", problems);
      } else if (!now.isBefore(expires)) {
        valid = false;
        why = "expired at " + expires;
      } else {
        valid = true;
        why = "";
      }
      judged.add(new JudgedApproval(r, valid, why, r.decision().equals(ApprovalRules.REJECT) ? null : expires));
    }
    return new ReleaseContext(a, env.name(), commits, st.testRuns(a.serial()), st.components(a.serial()),
        provenance, judged, st.deploymentsOf(a.serial()), now);
  }

  static ProvenanceCheck provenance(ArtifactRecord a, EcKey key) {
    if (a.provenance() == null || a.provenance().isEmpty()) {
      return new ProvenanceCheck(false, false, "no provenance recorded");
    }
    if (key == null) {
      return new ProvenanceCheck(true, false, "no provenance key to verify with");
    }
    try {
      Dsse.Opened o = Dsse.verify(a.provenance(), key);
      Map<String, Object> st = Json.parseObject(new String(o.payload(), StandardCharsets.UTF_8));
      Object subjects = st.get("subject");
      boolean names = subjects instanceof List<?> l && l.stream().anyMatch(s -> s instanceof Map<?, ?> sm
          && sm.get("digest") instanceof Map<?, ?> d && a.stampedDigest().equals(d.get("sha256")));
      return names ? new ProvenanceCheck(true, true, "")
          : new ProvenanceCheck(true, false, "the statement's subject is not sha256:" + a.stampedDigest());
    } catch (RuntimeException e) {
      return new ProvenanceCheck(true, false, e.getMessage());
    }
  }

  /** The latest run of each suite. */
  public Map<String, TestRunRecord> latestRuns() {
    Map<String, TestRunRecord> out = new TreeMap<>();
    for (TestRunRecord t : tests) {
      TestRunRecord prev = out.get(t.suite());
      if (prev == null || t.run() > prev.run()) {
        out.put(t.suite(), t);
      }
    }
    return out;
  }

  /**
   * The context as CEL sees it (documented in docs/policy.md): {@code artifact}, {@code tests},
   * {@code commits}, {@code approvals}, {@code deployments}, {@code environment}, {@code time}.
   */
  public Map<String, Object> celVariables(Environment env) {
    Map<String, Object> art = new LinkedHashMap<>();
    art.put("serial", artifact.serial());
    art.put("service", artifact.service());
    art.put("digest", artifact.stampedDigest());
    art.put("builtDigest", artifact.digest());
    art.put("filename", artifact.filename());
    art.put("size", artifact.size());
    art.put("registeredBy", artifact.registeredBy());
    art.put("registeredAt", artifact.registeredAt());
    art.put("repo", nz(artifact.repo()));
    art.put("commit", nz(artifact.commit()));
    art.put("branch", nz(artifact.branch()));
    art.put("dirty", artifact.dirty());
    art.put("sbom", artifact.sbomDigest() != null);
    art.put("components", components.stream().map(c -> (Object) Map.of("name", c.name(), "version",
        nz(c.version()), "purl", nz(c.purl()))).toList());
    art.put("provenance", Map.of("present", provenance.present(), "verified", provenance.verified()));
    Map<String, Object> tm = new LinkedHashMap<>();
    latestRuns().forEach((suite, t) -> tm.put(suite, Map.of("run", t.run(), "tests", t.tests(), "failures",
        t.failures(), "errors", t.errors(), "skipped", t.skipped(), "passed", t.failures() == 0 && t.errors() == 0
        && t.tests() > 0)));
    List<Object> cm = commits.stream().map(c -> (Object) Map.of("id", c.id(), "author", c.author(), "message",
        c.message(), "requirements", c.requirements())).toList();
    List<Object> am = approvals.stream().map(j -> (Object) Map.of("account", j.record().account(), "decision",
        j.record().decision(), "at", j.record().decidedAt(), "comment", nz(j.record().comment()), "valid",
        j.valid())).toList();
    List<Object> dm = deployments.stream().map(d -> (Object) Map.of("id", d.id(), "environment", d.environment(),
        "phase", d.phase(), "kind", d.kind())).toList();
    ZonedDateTime utc = now.atZone(ZoneOffset.UTC);
    Map<String, Object> time = new LinkedHashMap<>();
    time.put("iso", now.toString());
    time.put("epochSeconds", now.getEpochSecond());
    time.put("date", utc.toLocalDate().toString());
    time.put("hour", (long) utc.getHour());
    time.put("minute", (long) utc.getMinute());
    time.put("weekday", utc.getDayOfWeek().name().substring(0, 3).toUpperCase(Locale.ROOT));
    Map<String, Object> e = Map.of("name", env.name(), "requires", env.requires());
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("artifact", art);
    vars.put("tests", tm);
    vars.put("commits", cm);
    vars.put("approvals", am);
    vars.put("deployments", dm);
    vars.put("environment", e);
    vars.put("time", time);
    return vars;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
