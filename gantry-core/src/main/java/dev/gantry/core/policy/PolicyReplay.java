package dev.gantry.core.policy;

import dev.gantry.core.ledger.LedgerEvent.PolicyEvaluated;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.ledger.LedgerStore.EnvironmentRecord;
import dev.gantry.core.ledger.LedgerStore.StateView;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The auditor's replay of a decision: given the state just before a {@code policy.evaluated} entry (the
 * replayed projections), evaluates the environment's rules again at the recorded instant and checks that
 * every rule's verdict, and the decision, come out as recorded. The provenance signature check is taken as
 * recorded (it needs the provenance key; {@code gantry artifact verify} checks it offline).
 *
 * <p>Verdicts are compared, not reason texts, so that a later wording of a reason does not fail the replay
 * of an old ledger.
 */
public final class PolicyReplay {
  private PolicyReplay() {}

  /** Null when the recorded decision follows from state; otherwise what differs. */
  public static String check(StateView state, PolicyEvaluated e, String actor, Instant entryTime) {
    Optional<EnvironmentRecord> rec = state.environment(e.environment());
    if (rec.isEmpty()) {
      return "policy.evaluated names environment '" + e.environment() + "', which was not defined then";
    }
    Optional<ArtifactRecord> a = state.artifact(e.serial());
    if (a.isEmpty() || !a.get().stampedDigest().equals(e.digest())) {
      return "policy.evaluated names " + e.serial() + " sha256:" + e.digest() + ", which was not registered then";
    }
    Environment env = ReleaseCommands.definition(rec.get());
    Instant at = e.at() == null ? entryTime : Instant.parse(e.at());
    boolean present = a.get().provenance() != null && !a.get().provenance().isEmpty();
    ReleaseContext ctx = ReleaseContext.gather(state, a.get(), env,
        new ReleaseContext.ProvenanceCheck(present, e.provenanceVerified(), "as recorded"), at);
    PolicyDecision d = PolicyEvaluator.evaluate(env, ctx);
    List<String> replayed = d.verdicts().stream().map(v -> v.rule() + "=" + (v.passed() ? "pass" : "fail")).toList();
    List<String> recorded = e.rules().stream().map(r -> r.get("rule") + "=" + r.get("verdict")).toList();
    if (!replayed.equals(recorded)) {
      return "policy.evaluated of " + e.serial() + " for " + e.environment() + " does not replay: recorded "
          + recorded + ", replayed " + replayed;
    }
    if (!e.breakGlass() && e.allowed() != d.allowed()) {
      return "policy.evaluated of " + e.serial() + " records allowed=" + e.allowed() + " but its verdicts say "
          + d.allowed();
    }
    if (e.breakGlass() && e.allowed()) {
      String refusal = ReleaseCommands.breakGlassRefusal(state, new ReleaseCommands.DeployRequest(e.deployment(),
          e.service(), e.serial(), null, "deploy", e.environment(), actor, true, "(recorded)"), e.environment(), d);
      if (refusal != null) {
        return "break glass by " + actor + " for " + e.serial() + " does not replay: " + refusal;
      }
    }
    return null;
  }
}
