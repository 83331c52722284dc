package dev.gantry.server.deploy;

import static dev.gantry.core.account.Role.DEPLOYER;
import static dev.gantry.core.account.Role.OPERATOR;
import static dev.gantry.core.account.Role.VIEWER;

import dev.gantry.core.account.Names;
import dev.gantry.core.account.Role;
import dev.gantry.core.deploy.RuntimeDriver;
import dev.gantry.core.json.Json;
import dev.gantry.core.json.JsonException;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.server.system.RequestBodies;
import dev.gantry.store.DeployQueries;
import dev.gantry.store.DeployQueries.DeploymentRow;
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
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Services and deployments over HTTP. Deployers deploy; operators roll back, abort, halt and resume. */
@RestController
@RequestMapping("/api/v1")
class DeployController {
  static final Role[] READERS = Access.READERS;

  private final DeployService deploys;
  private final DeployQueries queries;
  private final DeployLoop loop;
  private final RuntimeDriver driver;

  DeployController(DeployService deploys, DeployQueries queries, DeployLoop loop, RuntimeDriver driver) {
    this.deploys = deploys;
    this.queries = queries;
    this.loop = loop;
    this.driver = driver;
  }

  @PutMapping(path = "/services/{name}", consumes = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> apply(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name,
      @RequestBody String body) {
    Access.require(p, DEPLOYER);
    Names.check("service", name);
    Map<String, Object> spec;
    try {
      spec = Json.parseObject(body);
    } catch (JsonException e) {
      throw new ApiException(400, "malformed-json", "malformed JSON: " + e.getMessage());
    }
    var e = deploys.apply(p.account(), name, spec);
    Map<String, Object> out = status(name);
    out.put("seq", e.getLast().seq());
    return out;
  }

  @GetMapping("/services")
  List<Map<String, Object>> list(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    Access.require(p, READERS);
    return queries.services().stream().map(s -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", s.name());
      m.put("stable", s.stableSerial());
      m.put("halted", deploys.halted(s.name()));
      queries.latestDeployment(s.name()).ifPresent(d -> m.put("deployment", view(d)));
      return m;
    }).toList();
  }

  @GetMapping("/services/{name}")
  Map<String, Object> get(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name) {
    Access.require(p, READERS);
    return status(name);
  }

  @PostMapping(path = "/services/{name}/deployments", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> deploy(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @PathVariable String name, @RequestBody String body) {
    Map<String, Object> m = RequestBodies.object(body, Set.of("serial", "environment", "breakGlass", "reason",
        "sideBySide"), Set.of("serial"));
    boolean breakGlass = Boolean.TRUE.equals(m.get("breakGlass"));
    // Break glass is an operator's emergency lever, not a deployer's shortcut.
    Access.require(p, breakGlass ? OPERATOR : DEPLOYER);
    if (m.get("sideBySide") != null && !(m.get("sideBySide") instanceof Boolean)) {
      throw ApiException.badRequest("sideBySide: '" + m.get("sideBySide") + "' (expected: true or false)");
    }
    String env = RequestBodies.string(m, "environment");
    if (env != null) {
      Names.check("environment", env);
    }
    DeploymentRow d = deploys.deploy(p.account(), name, RequestBodies.string(m, "serial"),
        Boolean.TRUE.equals(m.get("sideBySide")) ? "side-by-side" : "deploy", env, breakGlass,
        RequestBodies.string(m, "reason"));
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(view(d));
  }

  @PostMapping(path = "/services/{name}/rollback", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> rollback(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @PathVariable String name, @RequestBody String body) {
    Access.require(p, OPERATOR);
    Map<String, Object> m = RequestBodies.object(body, Set.of("reason", "breakGlass"), Set.of());
    DeploymentRow d = deploys.rollback(p.account(), name, RequestBodies.string(m, "reason"),
        Boolean.TRUE.equals(m.get("breakGlass")));
    loop.wake();
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(view(d));
  }

  @PostMapping(path = "/services/{name}/abort", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> abort(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @PathVariable String name, @RequestBody String body) {
    Access.require(p, OPERATOR);
    Map<String, Object> m = RequestBodies.object(body, Set.of("reason"), Set.of());
    DeploymentRow d = deploys.abort(p.account(), name, RequestBodies.string(m, "reason"));
    loop.wake();
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(view(d));
  }

  @PostMapping(path = "/services/{name}/promote", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> promote(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @PathVariable String name, @RequestBody String body) {
    Access.require(p, DEPLOYER, OPERATOR);
    Map<String, Object> m = RequestBodies.object(body, Set.of("full"), Set.of());
    Object full = m.get("full");
    if (full != null && !(full instanceof Boolean)) {
      throw ApiException.badRequest("full: '" + full + "' (expected: true or false)");
    }
    DeploymentRow d = deploys.promote(p.account(), name, Boolean.TRUE.equals(full));
    loop.wake();
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(view(d));
  }

  @GetMapping("/services/{name}/deployments/{id}/analysis")
  List<Map<String, Object>> analysis(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name,
      @PathVariable String id, @RequestParam(defaultValue = "50") int limit) {
    Access.require(p, READERS);
    if (limit < 1 || limit > 10_000) {
      throw ApiException.badRequest("limit: " + limit + " (expected: 1..10000)");
    }
    DeploymentRow d = queries.deployment(id).filter(x -> x.service().equals(name)).orElseThrow(() ->
        ApiException.notFound("no deployment '" + id + "' of service '" + name + "'"));
    return queries.analysisRuns(d.id(), limit).stream().map(a -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("run", a.run());
      m.put("kind", a.kind());
      m.put("verdict", a.verdict());
      m.put("tested", a.tested());
      m.put("summary", a.summary());
      m.put("recordedAt", a.recordedAt());
      m.put("metrics", Json.parse(a.metrics()));
      return m;
    }).toList();
  }

  @PostMapping(path = "/halt", consumes = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> halt(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @RequestBody String body) {
    Access.require(p, OPERATOR);
    Map<String, Object> m = RequestBodies.object(body, Set.of("service", "reason"), Set.of());
    String scope = m.get("service") == null ? DeployService.ALL : RequestBodies.string(m, "service");
    deploys.halt(p.account(), scope, RequestBodies.string(m, "reason"));
    loop.wake();
    return Map.of("halted", scope);
  }

  @PostMapping(path = "/resume", consumes = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> resume(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @RequestBody String body) {
    Access.require(p, OPERATOR);
    Map<String, Object> m = RequestBodies.object(body, Set.of("service"), Set.of());
    String scope = m.get("service") == null ? DeployService.ALL : RequestBodies.string(m, "service");
    deploys.resume(p.account(), scope);
    loop.wake();
    return Map.of("resumed", scope);
  }

  @GetMapping(path = "/services/{name}/logs", produces = MediaType.TEXT_PLAIN_VALUE)
  String logs(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name,
      @RequestParam(defaultValue = "100") int lines) {
    Access.require(p, DEPLOYER, OPERATOR, VIEWER);
    if (lines < 1 || lines > 10_000) {
      throw ApiException.badRequest("lines: " + lines + " (expected: 1..10000)");
    }
    StringBuilder b = new StringBuilder();
    for (var row : queries.liveInstances(name)) {
      for (String l : driver.logs(row.id(), lines)) {
        b.append('[').append(row.id()).append("] ").append(l).append('\n');
      }
    }
    return b.toString();
  }

  Map<String, Object> status(String name) {
    var svc = queries.service(name).orElseThrow(() -> ApiException.notFound("no service '" + name + "'"));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("spec", Json.parse(svc.spec()));
    m.put("stable", svc.stableSerial());
    m.put("halted", deploys.halted(name));
    m.put("deployments", queries.deployments(name, 10).stream().map(this::view).toList());
    m.put("instances", queries.liveInstances(name).stream().map(i -> {
      Map<String, Object> im = new LinkedHashMap<>();
      im.put("id", i.id());
      im.put("serial", i.serial());
      im.put("address", "127.0.0.1:" + i.port());
      im.put("pid", i.pid());
      im.put("state", i.state());
      im.put("ready", loop.ready(i.id()));
      return im;
    }).toList());
    m.putAll(loop.live(name));
    return m;
  }

  Map<String, Object> view(DeploymentRow d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", d.id());
    m.put("service", d.service());
    m.put("serial", d.serial());
    m.put("from", d.fromSerial());
    m.put("kind", d.kind());
    m.put("environment", d.environment());
    m.put("breakGlass", d.breakGlass());
    m.put("phase", d.phase());
    m.put("reason", d.reason());
    m.put("phaseSince", d.phaseSince());
    m.put("abortRequested", d.abortRequested());
    m.put("smoke", d.smoke());
    m.put("startedBy", d.startedBy());
    m.put("startedAt", d.startedAt());
    m.put("strategy", d.canary().strategy());
    if (d.canary().strategy().equals("canary")) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("step", (long) d.canary().step());
      c.put("weight", (long) d.canary().weight());
      c.put("stepSince", d.canary().stepSince());
      c.put("promote", d.canary().promote());
      c.put("paused", d.canary().pausedReason());
      c.put("verdict", d.canary().verdict());
      c.put("verdictSummary", d.canary().verdictSummary());
      c.put("stepVerdict", d.canary().stepVerdict());
      c.put("testedRuns", (long) d.canary().testedRuns());
      // What the gate before a higher weight or the completion waits for, while it does (else null).
      c.put("waiting", d.phase().equals("CANARY") ? loop.waiting(d.id()) : null);
      m.put("canary", c);
    }
    return m;
  }
}
