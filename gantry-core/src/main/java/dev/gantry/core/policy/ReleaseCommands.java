package dev.gantry.core.policy;

import dev.gantry.core.account.AccountCommands.Refusal;
import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.ApprovalRecorded;
import dev.gantry.core.ledger.LedgerEvent.BreakGlassUsed;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.EnvironmentApplied;
import dev.gantry.core.ledger.LedgerEvent.PolicyEvaluated;
import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.core.ledger.LedgerStore.ApprovalRecord;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.ledger.LedgerStore.Command;
import dev.gantry.core.ledger.LedgerStore.EnvironmentRecord;
import dev.gantry.core.ledger.LedgerStore.StateView;
import dev.gantry.core.provenance.EcKey;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The release commands: apply an environment, approve or reject an artifact for an environment, and the
 * policy gate of a deployment. Each is a pure function of the state seen inside the append transaction,
 * so no API path can skip a rule and two requests cannot both pass a check that only one should.
 */
public final class ReleaseCommands {
  private ReleaseCommands() {}

  /** Applies a (parsed, valid) definition; every environment it requires must exist, and there may be no cycle. */
  public static Command applyEnvironment(Environment env) {
    String canonical = Json.canonical(env.toJson());
    return state -> {
      for (String r : env.requires()) {
        if (state.environment(r).isEmpty()) {
          throw new Refusal(409, "no-such-environment", "requires: environment '" + r
              + "' is not defined (apply it first: gantry env apply -f " + r + ".yaml)");
        }
      }
      // A cycle would make promotion impossible: walk what the required environments require.
      Deque<String> todo = new ArrayDeque<>(env.requires());
      Set<String> seen = new HashSet<>();
      while (!todo.isEmpty()) {
        String n = todo.pop();
        if (n.equals(env.name())) {
          throw new Refusal(409, "promotion-cycle", "requires: " + env.requires() + " leads back to " + env.name()
              + " (promotion order must not be circular)");
        }
        if (seen.add(n)) {
          state.environment(n).ifPresent(rec -> todo.addAll(definition(rec).requires()));
        }
      }
      return List.<LedgerEvent>of(new EnvironmentApplied(env.name(), canonical));
    };
  }

  /** The stored definition, parsed (it was valid when applied). */
  public static Environment definition(EnvironmentRecord rec) {
    return Environment.parseStored(Json.parseObject(rec.definition()));
  }

  /**
   * An approval or rejection by actor of serial for environment. Approvals: a human approver who neither
   * registered nor authored the artifact, at most one valid approval per person, none after a rejection.
   * Rejections: a human approver (an author may stop their own release), once per person.
   */
  public static Command decide(String actor, String service, String serial, String environment, String decision,
      String comment, Instant now) {
    if (!decision.equals(ApprovalRules.APPROVE) && !decision.equals(ApprovalRules.REJECT)) {
      throw new Refusal(400, "bad-request", "decision: '" + decision + "' (expected: approve or reject)");
    }
    if (comment != null && comment.length() > 1000) {
      throw new Refusal(400, "bad-request", "comment: " + comment.length() + " characters (expected at most 1000)");
    }
    return state -> {
      Environment env = definition(state.environment(environment).orElseThrow(() -> noEnvironment(environment)));
      ArtifactRecord a = artifact(state, service, serial);
      AccountRecord acc = state.account(actor).orElseThrow(() -> new Refusal(403, "forbidden",
          "no account '" + actor + "'"));
      List<ApprovalRecord> existing = state.approvals(serial, environment);
      if (decision.equals(ApprovalRules.APPROVE)) {
        List<String> why = ApprovalRules.whoMayDecide(acc, a, state.commits(serial));
        if (!why.isEmpty()) {
          throw new Refusal(403, "separation-of-duties", String.join("; ", why));
        }
        Optional<ApprovalRecord> rejected = existing.stream()
            .filter(r -> r.decision().equals(ApprovalRules.REJECT)).findFirst();
        if (rejected.isPresent()) {
          throw new Refusal(409, "release-rejected", serial + " was rejected for " + environment + " by "
              + rejected.get().account() + "; it cannot be approved (a new artifact is needed)");
        }
        for (ApprovalRecord r : existing) {
          if (r.account().equals(actor) && r.decision().equals(ApprovalRules.APPROVE)
              && now.isBefore(Instant.parse(r.decidedAt()).plus(env.approvalExpiry()))) {
            throw new Refusal(409, "already-approved", actor + " already approved " + serial + " for " + environment
                + " at " + r.decidedAt() + " (valid until " + Instant.parse(r.decidedAt()).plus(env.approvalExpiry())
                + "); a second approval must come from someone else");
          }
        }
      } else {
        List<String> why = new ArrayList<>();
        if (acc.disabled()) {
          why.add("account '" + actor + "' is disabled");
        }
        if (!acc.kind().equals(AccountKind.HUMAN.wire())) {
          why.add("'" + actor + "' is a " + acc.kind() + "; rejections are human decisions");
        }
        if (!acc.roles().contains(Role.APPROVER.wire())) {
          why.add("'" + actor + "' does not hold the approver role");
        }
        if (!why.isEmpty()) {
          throw new Refusal(403, "separation-of-duties", String.join("; ", why));
        }
        if (existing.stream().anyMatch(r -> r.account().equals(actor) && r.decision().equals(ApprovalRules.REJECT))) {
          throw new Refusal(409, "already-rejected", actor + " already rejected " + serial + " for " + environment);
        }
      }
      long n = existing.stream().filter(r -> r.account().equals(actor)).count() + 1;
      return List.<LedgerEvent>of(new ApprovalRecorded(serial + "/" + environment + "/" + actor + "/" + n, service,
          serial, a.stampedDigest(), environment, actor, decision, comment == null ? "" : comment));
    };
  }

  /** What a deployment asks for. breakGlass needs a reason; kind is "deploy" or "rollback". */
  public record DeployRequest(String id, String service, String serial, String fromSerial, String kind,
      String environment, String actor, boolean breakGlass, String reason) {}

  /** What the gate decided: the decision (null when the environment has no policy), and the refusal if refused. */
  public record GateOutcome(PolicyDecision decision, boolean started, boolean breakGlass, String refusal) {}

  /**
   * Dry run: the decision a deployment would meet now, appending nothing ({@code gantry release check}).
   * Null when the environment is the undefined default (no policy applies).
   */
  public static PolicyDecision check(StateView state, String service, String serial, String environment,
      EcKey provenanceKey, Instant now) {
    ArtifactRecord a = artifact(state, service, serial);
    Optional<EnvironmentRecord> rec = state.environment(environment);
    if (rec.isEmpty()) {
      if (environment.equals(Environment.DEFAULT)) {
        return null;
      }
      throw noEnvironment(environment);
    }
    Environment env = definition(rec.get());
    return PolicyEvaluator.evaluate(env, ReleaseContext.gather(state, a, env, provenanceKey, now));
  }

  /**
   * The policy gate of a deployment, in the append: evaluates the environment's rules and returns
   * {@code policy.evaluated} plus, when allowed, {@code deployment.started} (and {@code release.break-glass}).
   * A refusal still appends the evaluation (evidence of the attempt); outcome learns which it was.
   */
  public static Command deploy(DeployRequest req, EcKey provenanceKey, Instant now, Consumer<GateOutcome> outcome) {
    return state -> {
      ArtifactRecord a = artifact(state, req.service(), req.serial());
      String envName = req.environment() == null ? Environment.DEFAULT : req.environment();
      DeploymentStarted started = new DeploymentStarted(req.id(), req.service(), req.serial(), req.fromSerial(),
          req.kind(), envName);
      Optional<EnvironmentRecord> rec = state.environment(envName);
      if (rec.isEmpty()) {
        if (!envName.equals(Environment.DEFAULT)) {
          throw noEnvironment(envName);
        }
        if (req.breakGlass()) {
          throw new Refusal(409, "break-glass-not-needed", "the default environment has no policy to break");
        }
        outcome.accept(new GateOutcome(null, true, false, null));
        return List.<LedgerEvent>of(started);
      }
      Environment env = definition(rec.get());
      ReleaseContext ctx = ReleaseContext.gather(state, a, env, provenanceKey, now);
      PolicyDecision d = PolicyEvaluator.evaluate(env, ctx);
      List<java.util.Map<String, Object>> rules = d.verdicts().stream().map(RuleVerdict::toJson).toList();
      String at = now.toString();
      boolean prov = ctx.provenance().verified();
      if (!req.breakGlass()) {
        if (d.allowed()) {
          outcome.accept(new GateOutcome(d, true, false, null));
          return List.of(new PolicyEvaluated(req.service(), req.serial(), a.stampedDigest(), envName, req.id(), true,
              false, rules, at, prov), started);
        }
        outcome.accept(new GateOutcome(d, false, false, null));
        return List.of(new PolicyEvaluated(req.service(), req.serial(), a.stampedDigest(), envName, null, false, false,
            rules, at, prov));
      }
      String refusal = breakGlassRefusal(state, req, envName, d);
      if (refusal != null) {
        outcome.accept(new GateOutcome(d, false, true, refusal));
        return List.of(new PolicyEvaluated(req.service(), req.serial(), a.stampedDigest(), envName, null, false, true,
            rules, at, prov));
      }
      List<String> overridden = d.failed().stream().map(RuleVerdict::rule).toList();
      outcome.accept(new GateOutcome(d, true, true, null));
      return List.of(new PolicyEvaluated(req.service(), req.serial(), a.stampedDigest(), envName, req.id(), true, true,
          rules, at, prov), started, new BreakGlassUsed(req.id(), req.service(), req.serial(), envName, req.reason(), overridden));
    };
  }

  /**
   * Why break glass may not be used here, or null: only a human operator, with a reason, only when the policy
   * refuses (otherwise there is nothing to break), only back to an artifact that passed this environment's gate
   * without break glass and completed a deployment there (it was approved under the rules of its day), and
   * never past a rejection.
   */
  static String breakGlassRefusal(StateView state, DeployRequest req, String env, PolicyDecision d) {
    Optional<AccountRecord> acc = state.account(req.actor());
    if (acc.isEmpty() || acc.get().disabled() || !acc.get().kind().equals(AccountKind.HUMAN.wire())
        || !acc.get().roles().contains(Role.OPERATOR.wire())) {
      return "break glass is for a human operator; " + req.actor() + " is not one";
    }
    if (req.reason() == null || req.reason().isBlank()) {
      return "break glass needs a reason (--reason), kept in the ledger";
    }
    if (d.allowed()) {
      return "break glass is not needed: the policy of " + env + " allows this deployment (deploy without"
          + " --break-glass)";
    }
    Optional<ApprovalRecord> rejected = state.approvals(req.serial(), env).stream()
        .filter(r -> r.decision().equals(ApprovalRules.REJECT)).findFirst();
    if (rejected.isPresent()) {
      return "break glass does not override a rejection: " + req.serial() + " was rejected for " + env + " by "
          + rejected.get().account() + " at " + rejected.get().decidedAt();
    }
    boolean approvedBefore = state.deploymentsOf(req.serial()).stream()
        .anyMatch(x -> x.environment().equals(env) && x.phase().equals("COMPLETE") && !x.breakGlass());
    if (!approvedBefore) {
      return "break glass only rolls back to an artifact that passed the policy of " + env + " and completed a"
          + " deployment there (not itself by break glass); " + req.serial() + " never did";
    }
    return null;
  }

  private static ArtifactRecord artifact(StateView state, String service, String serial) {
    ArtifactRecord a = state.artifact(serial).orElseThrow(() -> new Refusal(404, "not-found",
        "no artifact '" + serial + "'"));
    if (!a.service().equals(service)) {
      throw new Refusal(400, "bad-request", "artifact " + serial + " is a build of '" + a.service() + "', not of '"
          + service + "'");
    }
    return a;
  }

  private static Refusal noEnvironment(String name) {
    return new Refusal(404, "no-such-environment", "no environment '" + name + "' (define it: gantry env apply -f "
        + name + ".yaml)");
  }
}
