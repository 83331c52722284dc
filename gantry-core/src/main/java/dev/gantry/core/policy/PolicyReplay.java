package dev.gantry.core.policy;

import dev.gantry.core.ledger.LedgerEvent.ApprovalRecorded;
import dev.gantry.core.ledger.LedgerEvent.PolicyEvaluated;
import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.ledger.LedgerStore.EnvironmentRecord;
import dev.gantry.core.ledger.LedgerStore.StateView;
import java.time.Duration;
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
  /** How far the recorded evaluation instant may lie from its entry's time (a batch commits within this). */
  static final Duration MAX_AT_SKEW = Duration.ofSeconds(60);

  private PolicyReplay() {}

  /**
   * Null when the approval or rejection was one its author could make in the state before it (the four-eyes
   * rules: a human approver, not the registrant nor a commit author, not after a rejection); otherwise why
   * not. A ledger rewritten by someone holding the keys still cannot hide an approval by the author.
   */
  public static String checkApproval(StateView state, ApprovalRecorded e, String actor) {
    if (!e.account().equals(actor)) {
      return "approval.recorded names " + e.account() + " but was appended by " + actor;
    }
    Optional<ArtifactRecord> a = state.artifact(e.serial());
    if (a.isEmpty() || !a.get().stampedDigest().equals(e.digest())) {
      return "approval.recorded names " + e.serial() + " sha256:" + e.digest() + ", which was not registered then";
    }
    Optional<AccountRecord> acc = state.account(actor);
    if (acc.isEmpty()) {
      return "approval.recorded by " + actor + ", who had no account then";
    }
    if (e.decision().equals(ApprovalRules.APPROVE)) {
      List<String> why = ApprovalRules.whoMayDecide(acc.get(), a.get(), state.commits(e.serial()));
      if (!why.isEmpty()) {
        return "approval of " + e.serial() + " for " + e.environment() + " breaks separation of duties: "
            + String.join("; ", why);
      }
      if (state.approvals(e.serial(), e.environment()).stream()
          .anyMatch(r -> r.decision().equals(ApprovalRules.REJECT))) {
        return "approval of " + e.serial() + " for " + e.environment() + " after its rejection";
      }
    } else if (acc.get().disabled() || !acc.get().kind().equals("human")
        || !acc.get().roles().contains(dev.gantry.core.account.Role.APPROVER.wire())) {
      return "rejection of " + e.serial() + " by " + actor + ", who was not an enabled human approver";
    }
    return null;
  }

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
    // The recorded instant decides windows and approval expiry; it must be the moment of the append (the
    // entry's time is hashed into the chain), or a rewritten `at` could move a deployment out of a freeze.
    if (Duration.between(at, entryTime).abs().compareTo(MAX_AT_SKEW) > 0) {
      return "policy.evaluated of " + e.serial() + " for " + e.environment() + " records it was evaluated at " + at
          + " but was appended at " + entryTime + " (more than " + MAX_AT_SKEW.toSeconds() + " s apart)";
    }
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
