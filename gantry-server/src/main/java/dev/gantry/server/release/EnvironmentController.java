package dev.gantry.server.release;

import static dev.gantry.core.account.Role.OPERATOR;

import dev.gantry.core.account.Names;
import dev.gantry.core.json.Json;
import dev.gantry.core.json.JsonException;
import dev.gantry.core.ledger.LedgerStore.EnvironmentRecord;
import dev.gantry.core.policy.Environment;
import dev.gantry.core.policy.PolicyException;
import dev.gantry.core.policy.ReleaseCommands;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.store.JdbcLedgerStore;
import dev.gantry.store.PolicyQueries;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Environment definitions. Applying one is a policy change, so it takes a human operator (a robot that
 * deploys must not also be able to relax the rules it deploys under); every change is a ledger event.
 */
@RestController
@RequestMapping("/api/v1")
class EnvironmentController {
  private final JdbcLedgerStore store;
  private final PolicyQueries queries;

  EnvironmentController(JdbcLedgerStore store, PolicyQueries queries) {
    this.store = store;
    this.queries = queries;
  }

  @PutMapping(path = "/environments/{name}", consumes = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> apply(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name,
      @RequestBody String body) {
    Access.require(p, OPERATOR);
    if (!p.kind().equals("human")) {
      throw ApiException.forbidden("environments are policy; only a human operator may change them ('"
          + p.account() + "' is a " + p.kind() + ")");
    }
    Names.check("environment", name);
    Map<String, Object> def;
    try {
      def = Json.parseObject(body);
    } catch (JsonException e) {
      throw new ApiException(400, "malformed-json", "malformed JSON: " + e.getMessage());
    }
    Environment env;
    try {
      env = Environment.parse(def);
    } catch (PolicyException e) {
      throw new ApiException(400, "invalid-environment", e.getMessage(), Map.of("problems", e.problems()));
    }
    if (!env.name().equals(name)) {
      throw ApiException.badRequest("name: '" + env.name() + "' does not match the environment in the URL ('"
          + name + "')");
    }
    var entries = store.append(p.account(), ReleaseCommands.applyEnvironment(env));
    Map<String, Object> out = get(p, name);
    out.put("seq", entries.getLast().seq());
    return out;
  }

  @GetMapping("/environments")
  List<Map<String, Object>> list(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    Access.require(p, Access.READERS);
    return queries.environments().stream().map(EnvironmentController::view).toList();
  }

  @GetMapping("/environments/{name}")
  Map<String, Object> get(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name) {
    Access.require(p, Access.READERS);
    EnvironmentRecord r = store.stateView(st -> st.environment(name)).orElseThrow(() -> new ApiException(404,
        "no-such-environment", "no environment '" + name + "' (define it: gantry env apply -f " + name + ".yaml)"));
    return view(r);
  }

  static Map<String, Object> view(EnvironmentRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", r.name());
    m.put("definition", Json.parse(r.definition()));
    m.put("appliedBy", r.appliedBy());
    m.put("appliedAt", r.appliedAt());
    return m;
  }
}
