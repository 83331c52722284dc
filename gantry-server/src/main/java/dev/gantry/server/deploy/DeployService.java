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

  private final JdbcLedgerStore store;
  private final DeployQueries queries;

  DeployService(JdbcLedgerStore store, DeployQueries queries) {
    this.store = store;
    this.queries = queries;
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
    String canonical = Json.canonical(s.toJson());
    return store.append(actor, state -> List.<LedgerEvent>of(new ServiceApplied(name, canonical)));
  }

  /**
   * Starts a deployment of serial; refused while halted or while another deployment is in progress.
   * Synchronized: the checks read projections outside the append, so two requests at once must not
   * both pass them (one server process owns the deploy loop).
   */
  synchronized DeploymentRow deploy(String actor, String service, String serial, String kind) {
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
    if (serial.equals(svc.stableSerial())) {
      throw new ApiException(409, "already-stable", serial + " is already the stable version of " + service);
    }
    String id = service + "-d" + String.format("%04d", queries.deployments(service, 10_000).size() + 1);
    store.append(actor, state -> List.<LedgerEvent>of(
        new DeploymentStarted(id, service, serial, svc.stableSerial(), kind)));
    return queries.deployment(id).orElseThrow();
  }

  /**
   * Rollback: during a deployment, abort it (traffic back at once, new instances stopped); after one, deploy
   * the previous version again (instant while its instances are still warm, re-provisioned otherwise).
   */
  synchronized DeploymentRow rollback(String actor, String service, String reason) {
    Optional<DeploymentRow> active = active(service);
    if (active.isPresent()) {
      return abort(actor, service, reason == null ? "rollback requested" : reason);
    }
    DeploymentRow last = queries.deployments(service, 10_000).stream()
        .filter(d -> d.phase().equals(Phase.COMPLETE.name()) && d.fromSerial() != null).findFirst()
        .orElseThrow(() -> new ApiException(409, "nothing-to-roll-back", service
            + " has no completed deployment with a previous version"));
    return deploy(actor, service, last.fromSerial(), "rollback");
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
