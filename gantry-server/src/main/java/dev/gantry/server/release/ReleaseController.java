package dev.gantry.server.release;

import static dev.gantry.core.account.Role.APPROVER;

import dev.gantry.core.account.Names;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerStore.ApprovalRecord;
import dev.gantry.core.policy.ApprovalRules;
import dev.gantry.core.policy.Environment;
import dev.gantry.core.policy.PolicyDecision;
import dev.gantry.core.policy.ReleaseCommands;
import dev.gantry.core.policy.RuleVerdict;
import dev.gantry.core.provenance.EcKey;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.server.system.RequestBodies;
import dev.gantry.store.JdbcLedgerStore;
import dev.gantry.store.PolicyQueries;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A release is an artifact of a service going into an environment. {@code check} answers what the policy
 * would decide now without recording anything (a dry run anyone who may read may repeat); the decision
 * that counts is the one recorded with the deployment attempt. Approvals and rejections are ledger
 * commands whose separation-of-duties rules run inside the append.
 */
@RestController
@RequestMapping("/api/v1")
class ReleaseController {
  private final JdbcLedgerStore store;
  private final PolicyQueries queries;
  private final EcKey provenanceKey;
  private final Clock clock;

  ReleaseController(JdbcLedgerStore store, PolicyQueries queries, EcKey provenanceKey, Clock clock) {
    this.store = store;
    this.queries = queries;
    this.provenanceKey = provenanceKey;
    this.clock = clock;
  }

  @GetMapping("/services/{service}/releases/{serial}/check")
  Map<String, Object> check(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String service,
      @PathVariable String serial, @RequestParam(defaultValue = Environment.DEFAULT) String environment) {
    Access.require(p, Access.READERS);
    Names.check("environment", environment);
    var now = clock.instant();
    PolicyDecision d = store.stateView(st -> ReleaseCommands.check(st, service, serial, environment, provenanceKey,
        now));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("service", service);
    m.put("serial", serial);
    m.put("environment", environment);
    m.put("at", now.toString());
    m.put("allowed", d == null || d.allowed());
    m.put("rules", d == null ? List.of() : d.verdicts().stream().map(RuleVerdict::toJson).toList());
    m.put("failed", d == null ? List.of() : d.failed().stream().map(RuleVerdict::toJson).toList());
    m.put("recorded", false);
    if (d == null) {
      m.put("note", "the default environment is not defined: no policy applies");
    }
    return m;
  }

  @PostMapping(path = "/services/{service}/releases/{serial}/approvals", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> decide(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @PathVariable String service, @PathVariable String serial, @RequestBody String body) {
    Access.require(p, APPROVER);
    Map<String, Object> m = RequestBodies.object(body, Set.of("environment", "decision", "comment"),
        Set.of("environment"));
    String env = Names.check("environment", RequestBodies.string(m, "environment"));
    String decision = m.get("decision") == null ? ApprovalRules.APPROVE : RequestBodies.string(m, "decision");
    var entries = store.append(p.account(), ReleaseCommands.decide(p.account(), service, serial, env, decision,
        RequestBodies.string(m, "comment"), clock.instant()));
    var e = entries.getLast();
    var a = (LedgerEvent.ApprovalRecorded) e.event();
    Map<String, Object> out = view(new ApprovalRecord(a.id(), a.service(), a.serial(), a.digest(), a.environment(),
        a.account(), a.decision(), a.comment(), e.time()));
    out.put("seq", e.seq());
    return ResponseEntity.status(HttpStatus.CREATED).body(out);
  }

  @GetMapping("/services/{service}/releases/{serial}/approvals")
  List<Map<String, Object>> approvals(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @PathVariable String service, @PathVariable String serial) {
    Access.require(p, Access.READERS);
    var a = store.stateView(st -> st.artifact(serial)).orElseThrow(() -> ApiException.notFound(
        "no artifact '" + serial + "'"));
    if (!a.service().equals(service)) {
      throw ApiException.badRequest("artifact " + serial + " is a build of '" + a.service() + "', not of '"
          + service + "'");
    }
    return queries.approvals(serial).stream().map(ReleaseController::view).toList();
  }

  static Map<String, Object> view(ApprovalRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("service", r.service());
    m.put("serial", r.serial());
    m.put("digest", r.digest());
    m.put("environment", r.environment());
    m.put("account", r.account());
    m.put("decision", r.decision());
    m.put("comment", r.comment());
    m.put("at", r.decidedAt());
    return m;
  }
}
