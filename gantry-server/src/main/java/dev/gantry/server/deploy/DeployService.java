package dev.gantry.server.deploy;

import dev.gantry.core.deploy.BlueGreenReconciler.Phase;
import dev.gantry.core.deploy.ServiceSpec;
import dev.gantry.core.deploy.SpecException;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAbortRequested;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPromoteRequested;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPhaseChanged;
import dev.gantry.core.ledger.LedgerStore;
import dev.gantry.core.policy.Environment;
import dev.gantry.core.policy.ReleaseCommands;
import dev.gantry.core.policy.ReleaseCommands.GateOutcome;
import dev.gantry.core.policy.RuleVerdict;
import dev.gantry.core.provenance.EcKey;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import dev.gantry.core.ledger.LedgerEvent.Halted;
import dev.gantry.core.ledger.LedgerEvent.Resumed;
import dev.gantry.core.ledger.LedgerEvent.ServiceApplied;
import dev.gantry.server.auth.ApiException;
import dev.gantry.store.DeployQueries;
import dev.gantry.store.DeployQueries.DeploymentRow;
import dev.gantry.store.JdbcLedgerStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Service;

/**
 * The commands people give about services: apply a spec, deploy a serial, roll back, abort, halt and
 * resume. Each is one ledger append; the reconcile loop does the rest.
 */
@Service
class DeployService {
  static final String ALL = "*";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DeployService.class);

  /** Why a promotion into another environment changes nothing at the runtime (see docs/policy.md). */
  static final String PROMOTED_IN_PLACE = "already serving: released into this environment in place"
      + " (one runtime serves every environment)";

  private final JdbcLedgerStore store;
  private final DeployQueries queries;
  private final EcKey provenanceKey;
  private final Clock clock;
  /**
   * The shortest versions.retireAfter a spec may set: shorter retires a version between two calls of a client
   * that calls every few seconds. End-to-end tests lower it to run in real time.
   */
  private final Duration minRetireAfter;

  DeployService(JdbcLedgerStore store, DeployQueries queries, EcKey provenanceKey, Clock clock,
      @org.springframework.beans.factory.annotation.Value("${gantry.versions.min-retire-after:1m}")
      Duration minRetireAfter) {
    this.store = store;
    this.queries = queries;
    this.provenanceKey = provenanceKey;
    this.clock = clock;
    this.minRetireAfter = minRetireAfter;
  }

  List<LedgerEntry> apply(String actor, String name, Map<String, Object> spec) {
    ServiceSpec s;
    try {
      s = ServiceSpec.parse(spec);
    } catch (SpecException e) {
      throw new ApiException(400, "invalid-spec", e.getMessage());
    }
    if (!s.name().equals(name)) {
      throw ApiException.badRequest("name: '" + s.name() + "' does not match the service in the URL ('" + name + "')");
    }
    if (s.versions().retireAfter().compareTo(minRetireAfter) < 0) {
      throw new ApiException(400, "invalid-spec", "versions.retireAfter: " + ServiceSpec.format(s.versions()
          .retireAfter()) + " (expected: at least " + ServiceSpec.format(minRetireAfter) + "; how long a version may"
          + " go without clients before it retires, e.g. 14d)");
    }
    String canonical = Json.canonical(s.toJson());
    return store.append(actor, state -> List.<LedgerEvent>of(new ServiceApplied(name, canonical)));
  }

  /** A deployment in the default environment, no break glass. */
  DeploymentRow deploy(String actor, String service, String serial, String kind) {
    return deploy(actor, service, serial, kind, null, false, null);
  }

  /**
   * Starts a deployment of serial into environment (null: the default one) after the environment's policy
   * gate, which runs inside the ledger append (see {@link ReleaseCommands#deploy}); refused while halted or
   * while another deployment is in progress. Synchronized: the checks read projections outside the append,
   * so two requests at once must not both pass them (one server process owns the deploy loop).
   *
   * <p>One runtime serves every environment for now: releasing the artifact that already serves into a
   * further environment (staging → prod) records a deployment that completes at once, with no switch.
   */
  synchronized DeploymentRow deploy(String actor, String service, String serial, String kind, String environment,
      boolean breakGlass, String reason) {
    var svc = queries.service(service).orElseThrow(() -> ApiException.notFound(
        "no service '" + service + "' (apply its spec first: gantry service apply -f " + service + ".yaml)"));
    refuseWhenHalted(service);
    var artifact = store.stateView(st -> st.artifact(serial)).orElseThrow(() -> ApiException.notFound(
        "no artifact '" + serial + "'"));
    if (!artifact.service().equals(service)) {
      throw ApiException.badRequest("artifact " + serial + " is a build of '" + artifact.service() + "', not of '"
          + service + "'");
    }
    Optional<DeploymentRow> active = active(service);
    if (active.isPresent()) {
      throw new ApiException(409, "deployment-in-progress", "deployment " + active.get().id() + " of " + service
          + " is " + active.get().phase() + "; wait for it, or abort it (gantry abort " + service + ")");
    }
    String env = environment == null ? Environment.DEFAULT : environment;
    boolean inPlace = false;
    String from = svc.stableSerial();
    if (serial.equals(svc.stableSerial())) {
      Optional<DeploymentRow> lastComplete = queries.deployments(service, 10_000).stream()
          .filter(d -> d.phase().equals(Phase.COMPLETE.name())).findFirst();
      if (lastComplete.isEmpty() || lastComplete.get().environment().equals(env)) {
        throw new ApiException(409, "already-stable", serial + " is already the stable version of " + service
            + (env.equals(Environment.DEFAULT) ? "" : " in " + env));
      }
      inPlace = true;
      // Not the serving version itself: the reconciler stops the "previous version" after scaleDownDelay. The
      // in-place deployment inherits the previous version of the deployment that made this one serve.
      from = serial.equals(lastComplete.get().fromSerial()) ? null : lastComplete.get().fromSerial();
    }
    if (breakGlass && (reason == null || reason.isBlank())) {
      throw ApiException.badRequest("break glass needs a reason (--reason), kept in the ledger");
    }
    String id = service + "-d" + String.format("%04d", queries.deployments(service, 10_000).size() + 1);
    AtomicReference<GateOutcome> outcome = new AtomicReference<>();
    ReleaseCommands.DeployRequest req = new ReleaseCommands.DeployRequest(id, service, serial, from, kind, env, actor,
        breakGlass, reason);
    LedgerStore.Command gate = ReleaseCommands.deploy(req, provenanceKey, clock.instant(), outcome::set);
    boolean promoteInPlace = inPlace;
    List<LedgerEntry> entries = store.append(actor, state -> {
      List<LedgerEvent> events = new java.util.ArrayList<>(gate.decide(state));
      if (promoteInPlace && outcome.get().started()) {
        events.add(new DeploymentPhaseChanged(id, service, Phase.COMPLETE.name(), PROMOTED_IN_PLACE));
      }
      return events;
    });
    GateOutcome o = outcome.get();
    if (!o.started()) {
      ApiException e = refused(o, service, serial, env, entries.getFirst().seq());
      if (kind.equals("rollback") && !o.breakGlass()) {
        Map<String, Object> ext = new java.util.LinkedHashMap<>(e.extensions());
        ext.put("hint", "in an emergency an operator may roll back with --break-glass --reason \"...\""
            + " (recorded in the ledger and announced)");
        e = new ApiException(e.status(), e.code(), e.getMessage() + "; " + ext.get("hint"), ext);
      }
      throw e;
    }
    if (o.breakGlass()) {
      log.warn("BREAK GLASS: {} deployed {} {} into {} past {} (reason: {}); deployment {}", actor, service, serial,
          env, o.decision().failed().stream().map(v -> v.rule()).toList(), reason, id);
    }
    return queries.deployment(id).orElseThrow();
  }

  /** A 409 naming every failed rule, with the verdicts as problem extension members. */
  static ApiException refused(GateOutcome o, String service, String serial, String env, long seq) {
    List<RuleVerdict> failed = o.decision().failed();
    String detail = o.refusal() != null ? o.refusal()
        : env + " refuses " + serial + " of " + service + ": " + String.join("; ",
            failed.stream().map(v -> v.rule() + " (" + v.reason() + ")").toList());
    Map<String, Object> ext = new java.util.LinkedHashMap<>();
    ext.put("environment", env);
    ext.put("serial", serial);
    ext.put("failed", failed.stream().map(RuleVerdict::toJson).toList());
    ext.put("rules", o.decision().verdicts().stream().map(RuleVerdict::toJson).toList());
    ext.put("seq", seq);
    return new ApiException(409, o.breakGlass() ? "break-glass-refused" : "policy-refused", detail, ext);
  }

  /**
   * Rollback: during a deployment, abort it (traffic back at once, new instances stopped); after one, deploy
   * the previous version again (instant while its instances are still warm, re-provisioned otherwise).
   */
  synchronized DeploymentRow rollback(String actor, String service, String reason) {
    return rollback(actor, service, reason, false);
  }

  /** Rollback into the environment of the deployment being undone; breakGlass passes its failed rules (operator). */
  synchronized DeploymentRow rollback(String actor, String service, String reason, boolean breakGlass) {
    Optional<DeploymentRow> active = active(service);
    if (active.isPresent()) {
      return abort(actor, service, reason == null ? "rollback requested" : reason);
    }
    DeploymentRow last = queries.deployments(service, 10_000).stream()
        .filter(d -> d.phase().equals(Phase.COMPLETE.name()) && d.fromSerial() != null
            && !d.fromSerial().equals(d.serial())).findFirst() // never "back" to the same version
        .orElseThrow(() -> new ApiException(409, "nothing-to-roll-back", service
            + " has no completed deployment with a previous version"));
    return deploy(actor, service, last.fromSerial(), "rollback", last.environment(), breakGlass,
        reason == null && !breakGlass ? null : reason);
  }

  synchronized DeploymentRow abort(String actor, String service, String reason) {
    DeploymentRow d = active(service).orElseThrow(() -> new ApiException(409, "no-deployment",
        "no deployment of " + service + " is in progress"));
    store.append(actor, state -> List.<LedgerEvent>of(
        new DeploymentAbortRequested(d.id(), service, reason == null ? "aborted" : reason)));
    return queries.deployment(d.id()).orElseThrow();
  }

  /**
   * Promotes a canary: past its current step (a pause, an analysis step or a pause for a human), or with full
   * to all traffic at once. Refused while halted (a halt means nothing advances) and outside the canary phase.
   */
  synchronized DeploymentRow promote(String actor, String service, boolean full) {
    DeploymentRow d = active(service).orElseThrow(() -> new ApiException(409, "no-deployment",
        "no deployment of " + service + " is in progress"));
    if (!d.phase().equals(Phase.CANARY.name())) {
      throw new ApiException(409, "not-a-canary", "deployment " + d.id() + " of " + service + " is " + d.phase()
          + (d.canary().strategy().equals("canary") || d.phase().equals("PROVISIONING") || d.phase().equals("VERIFYING")
          ? "; promotion applies once the canary phase has begun" : "; only canary deployments are promoted"));
    }
    refuseWhenHalted(service);
    store.append(actor, state -> List.<LedgerEvent>of(new DeploymentPromoteRequested(d.id(), service, full)));
    return queries.deployment(d.id()).orElseThrow();
  }

  void halt(String actor, String scope, String reason) {
    if (!scope.equals(ALL) && queries.service(scope).isEmpty()) {
      throw ApiException.notFound("no service '" + scope + "'");
    }
    store.append(actor, state -> List.<LedgerEvent>of(new Halted(scope, reason == null ? "" : reason)));
  }

  void resume(String actor, String scope) {
    if (queries.halts().stream().noneMatch(h -> h.scope().equals(scope))) {
      throw new ApiException(409, "not-halted", (scope.equals(ALL) ? "nothing" : scope) + " is not halted");
    }
    store.append(actor, state -> List.<LedgerEvent>of(new Resumed(scope)));
  }

  Optional<DeploymentRow> active(String service) {
    return queries.latestDeployment(service).filter(d -> !Phase.valueOf(d.phase()).terminal());
  }

  boolean halted(String service) {
    return queries.halts().stream().anyMatch(h -> h.scope().equals(ALL) || h.scope().equals(service));
  }

  private void refuseWhenHalted(String service) {
    queries.halts().stream().filter(h -> h.scope().equals(ALL) || h.scope().equals(service)).findFirst()
        .ifPresent(h -> {
          throw new ApiException(409, "halted", (h.scope().equals(ALL) ? "all services are" : service + " is")
              + " halted by " + h.haltedBy() + (h.reason().isEmpty() ? "" : " (" + h.reason() + ")")
              + "; resume first (gantry resume" + (h.scope().equals(ALL) ? "" : " " + service) + ")");
        });
  }
}
