package dev.gantry.server.deploy;

import static dev.gantry.core.account.Role.DEPLOYER;
import static dev.gantry.core.account.Role.OPERATOR;

import dev.gantry.core.deploy.ServiceSpec;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.LeaseAcquired;
import dev.gantry.core.ledger.LedgerEvent.LeaseReleased;
import dev.gantry.core.ledger.LedgerEvent.LeaseRenewed;
import dev.gantry.core.ledger.LedgerEvent.VersionPinned;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.ledger.LedgerStore.LeaseRecord;
import dev.gantry.core.version.Retirement;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.server.system.RequestBodies;
import dev.gantry.store.DeployQueries;
import dev.gantry.store.DeployQueries.ClientRow;
import dev.gantry.store.DeployQueries.LeaseRow;
import dev.gantry.store.DeployQueries.ServiceRow;
import dev.gantry.store.DeployQueries.VersionRow;
import dev.gantry.store.JdbcLedgerStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.springframework.web.bind.annotation.RestController;

/**
 * The version directory over HTTP: which versions run where and who uses them, leases, pins, and
 * retirement (with a dry run that says what would go, and why).
 */
@RestController
@RequestMapping("/api/v1")
class VersionController {
  /** A lease longer than a year is a pin in disguise. */
  static final Duration MAX_LEASE = Duration.ofDays(366);

  private final JdbcLedgerStore store;
  private final DeployQueries queries;
  private final VersionKeeper keeper;
  private final DeployLoop loop;
  private final Clock clock;

  VersionController(JdbcLedgerStore store, DeployQueries queries, VersionKeeper keeper, DeployLoop loop, Clock clock) {
    this.store = store;
    this.queries = queries;
    this.keeper = keeper;
    this.loop = loop;
    this.clock = clock;
  }

  private ServiceRow service(String name) {
    return queries.service(name).orElseThrow(() -> ApiException.notFound("no service '" + name + "'"));
  }

  private static ServiceSpec spec(ServiceRow svc) {
    return ServiceSpec.parseStored(Json.parseObject(svc.spec()));
  }

  @GetMapping("/services/{name}/versions")
  List<Map<String, Object>> versions(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name) {
    Access.require(p, Access.READERS);
    ServiceRow svc = service(name);
    Instant now = clock.instant();
    List<VersionRow> all = queries.versions(name);
    List<VersionRow> running = all.stream().filter(v -> v.state().equals("running")).toList();
    String defaultLabel = VersionKeeper.defaultLabel(svc, running);
    Map<String, Retirement.Decision> decisions = new HashMap<>();
    keeper.plan(name, spec(svc), now).decisions().forEach(d -> decisions.put(d.label(), d));
    List<LeaseRow> leases = queries.leases(name);
    List<ClientRow> clients = queries.versionClients(name);
    ServiceSpec spec = spec(svc);
    String router = (String) loop.live(name).get("router");
    List<Map<String, Object>> out = new ArrayList<>();
    for (VersionRow v : all) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("version", v.label());
      m.put("serial", v.serial());
      m.put("digest", store.stateView(st -> st.artifact(v.serial())).map(ArtifactRecord::stampedDigest).orElse(null));
      m.put("state", v.state());
      m.put("default", v.label().equals(defaultLabel));
      m.put("pinned", v.label().equals(svc.pinned()));
      m.put("sideBySide", v.sideBySide());
      m.put("addedAt", v.addedAt());
      m.put("ageSeconds", Duration.between(Instant.parse(v.addedAt()), now).toSeconds());
      m.put("deprecatedAt", v.deprecatedAt());
      if (v.state().equals("retired")) {
        m.put("retiredAt", v.retiredAt());
        m.put("reason", v.reason());
        m.put("successor", v.successor());
      }
      Map<String, Object> addresses = new LinkedHashMap<>();
      List<String> routes = new ArrayList<>();
      if (v.state().equals("running")) {
        routes.add("http://" + router + "/" + spec.route().pathPrefix() + "/" + v.label() + "/");
        routes.add("Gantry-Version: " + v.label());
        routes.add(v.label() + "." + (spec.route().host() == null ? name : spec.route().host()));
        if (v.label().equals(defaultLabel)) {
          routes.add("http://" + router + "/" + spec.route().pathPrefix() + "/ (default)");
        }
      }
      addresses.put("router", routes);
      addresses.put("instances", queries.liveInstances(name).stream().filter(i -> i.serial().equals(v.serial()))
          .map(i -> "127.0.0.1:" + i.port()).toList());
      m.put("addresses", addresses);
      // The ledger's sightings, refreshed by what the router saw since the last flush. explicit: the client
      // addressed this version by version (header, path, host), which keeps it once it is not the default;
      // the others reached it through the default address while it was the default.
      Map<String, String[]> seen = new java.util.TreeMap<>();
      clients.stream().filter(c -> c.label().equals(v.label()))
          .forEach(c -> seen.put(c.client(), new String[] {c.lastSeen(), c.explicitLastSeen()}));
      if (v.state().equals("running")) {
        keeper.liveClients(name, v.serial()).forEach((c, s) -> {
          String[] t = seen.computeIfAbsent(c, k -> new String[2]);
          t[0] = later(t[0], s.lastSeen().toString());
          t[1] = later(t[1], s.explicitLastSeen() == null ? null : s.explicitLastSeen().toString());
        });
      }
      List<Map<String, Object>> cl = seen.entrySet().stream().map(c -> {
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("client", c.getKey());
        cm.put("lastSeen", c.getValue()[0]);
        cm.put("explicit", c.getValue()[1] != null);
        cm.put("explicitLastSeen", c.getValue()[1]);
        return cm;
      }).toList();
      m.put("clients", Map.of("count", (long) cl.size(), "seen", cl));
      m.put("leases", leases.stream().filter(l -> l.label().equals(v.label())).map(l -> leaseView(l, now)).toList());
      Retirement.Decision d = decisions.get(v.label());
      if (d != null) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("verdict", d.verdict().name().toLowerCase(java.util.Locale.ROOT));
        r.put("reason", d.reason());
        r.put("sunsetAt", d.sunsetAt() == null ? null : d.sunsetAt().toString());
        m.put("retirement", r);
      }
      out.add(m);
    }
    return out;
  }

  /** The whole directory: every service's running versions with client and lease counts. */
  @GetMapping("/versions")
  List<Map<String, Object>> directory(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    Access.require(p, Access.READERS);
    return dev.gantry.store.VersionDirectory.build(queries, clock.instant());
  }

  @PostMapping(path = "/services/{name}/versions/retire", consumes = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> retire(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name,
      @RequestBody String body) {
    Map<String, Object> m = RequestBodies.object(body, Set.of("dryRun"), Set.of());
    if (m.get("dryRun") != null && !(m.get("dryRun") instanceof Boolean)) {
      throw ApiException.badRequest("dryRun: '" + m.get("dryRun") + "' (expected: true or false)");
    }
    boolean dryRun = Boolean.TRUE.equals(m.get("dryRun"));
    Access.require(p, dryRun ? Access.READERS : new dev.gantry.core.account.Role[] {OPERATOR});
    ServiceRow svc = service(name);
    ServiceSpec spec = spec(svc);
    Instant now = clock.instant();
    List<Retirement.Decision> decisions = keeper.plan(name, spec, now).decisions();
    if (!dryRun) {
      // Decided again inside the append: what the loop (or another operator) retired meanwhile is not retired
      // twice, and a lease taken meanwhile keeps its version.
      Set<String> retired = new java.util.HashSet<>();
      keeper.retire(p.account(), name, spec, now).forEach(r -> retired.add(r.label()));
      if (!retired.isEmpty()) {
        loop.wake();
      }
      decisions = decisions.stream().map(d -> d.verdict() != Retirement.Verdict.RETIRE || retired.contains(d.label()) ? d
          : new Retirement.Decision(d.label(), d.serial(), Retirement.Verdict.KEEP,
              "changed before it could retire (a lease, a client or a retirement came in); see gantry versions " + name,
              d.sunsetAt())).toList();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("service", name);
    out.put("dryRun", dryRun);
    out.put("decisions", decisions.stream().map(d -> {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("version", d.label());
      r.put("serial", d.serial());
      r.put("verdict", d.verdict().name().toLowerCase(java.util.Locale.ROOT));
      r.put("reason", d.reason());
      r.put("sunsetAt", d.sunsetAt() == null ? null : d.sunsetAt().toString());
      return r;
    }).toList());
    return out;
  }

  @PostMapping(path = "/services/{name}/versions/pin", consumes = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> pin(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name,
      @RequestBody String body) {
    Access.require(p, DEPLOYER, OPERATOR);
    Map<String, Object> m = RequestBodies.object(body, Set.of("version"), Set.of());
    String label = RequestBodies.string(m, "version");
    service(name);
    store.append(p.account(), st -> {
      // Checked inside the append: a version retired a moment ago is not pinned back.
      if (label != null && st.versions(name).stream().noneMatch(v -> v.label().equals(label) && v.running())) {
        throw new ApiException(409, "no-such-version", "service '" + name + "' has no running version '" + label
            + "' (see gantry versions " + name + ")");
      }
      return List.<LedgerEvent>of(new VersionPinned(name, label));
    });
    loop.wake();
    return Map.of("service", name, "pinned", label == null ? "(none: the default follows the latest)" : label);
  }

  @PostMapping(path = "/services/{name}/versions/{label}/leases", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> acquire(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @PathVariable String name, @PathVariable String label, @RequestBody String body) {
    Access.require(p, DEPLOYER, OPERATOR);
    Map<String, Object> m = RequestBodies.object(body, Set.of("client", "ttl"), Set.of("client", "ttl"));
    String client = RequestBodies.string(m, "client");
    if (client.isBlank() || client.length() > 128) {
      throw ApiException.badRequest("client: '" + client + "' (expected: a name of 1..128 characters)");
    }
    Duration ttl = ttl(RequestBodies.string(m, "ttl"));
    service(name);
    String expires = clock.instant().plus(ttl).toString();
    // The id and the version's state are read inside the append: two servers on one database never hand out
    // the same id, and a version retired a moment ago cannot be leased back to life.
    List<dev.gantry.core.ledger.LedgerEntry> entries = store.append(p.account(), st -> {
      if (st.versions(name).stream().noneMatch(v -> v.label().equals(label) && v.running())) {
        throw new ApiException(409, "no-such-version", "service '" + name + "' has no running version '" + label
            + "' (a retired version cannot be leased back to life; see gantry versions " + name + ")");
      }
      String id = String.format("L-%06d", st.nextLeaseNumber());
      return List.<LedgerEvent>of(new LeaseAcquired(id, name, label, client, expires));
    });
    String id = ((LeaseAcquired) entries.getFirst().event()).id();
    return ResponseEntity.status(HttpStatus.CREATED).body(leaseView(queries.lease(id).orElseThrow(), clock.instant()));
  }

  @PostMapping(path = "/leases/{id}/renew", consumes = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> renew(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String id,
      @RequestBody String body) {
    Access.require(p, DEPLOYER, OPERATOR);
    Map<String, Object> m = RequestBodies.object(body, Set.of("ttl"), Set.of("ttl"));
    Duration ttl = ttl(RequestBodies.string(m, "ttl"));
    Instant now = clock.instant();
    store.append(p.account(), st -> {
      LeaseRecord l = st.lease(id).orElseThrow(() -> ApiException.notFound("no lease '" + id + "'"));
      refuseDead(id, l.released(), l.expiresAt(), now);
      if (st.versions(l.service()).stream().noneMatch(v -> v.label().equals(l.label()) && v.running())) {
        throw new ApiException(409, "version-retired", "lease " + id + " is on " + l.service() + "@" + l.label()
            + ", which is retired; a retired version cannot be leased back to life");
      }
      // A renewal never shortens a lease: whoever relies on the later expiry keeps it.
      Instant current = Instant.parse(l.expiresAt());
      Instant wanted = now.plus(ttl);
      if (!wanted.isAfter(current)) {
        return List.of();
      }
      return List.<LedgerEvent>of(new LeaseRenewed(id, l.service(), wanted.toString()));
    });
    return leaseView(queries.lease(id).orElseThrow(), clock.instant());
  }

  @PostMapping(path = "/leases/{id}/release", consumes = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> release(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String id,
      @RequestBody String body) {
    Access.require(p, DEPLOYER, OPERATOR);
    RequestBodies.object(body, Set.of(), Set.of());
    Instant now = clock.instant();
    store.append(p.account(), st -> {
      // Checked in the append: two releases racing write one lease.released.
      LeaseRecord l = st.lease(id).orElseThrow(() -> ApiException.notFound("no lease '" + id + "'"));
      refuseDead(id, l.released(), l.expiresAt(), now);
      return List.<LedgerEvent>of(new LeaseReleased(id, l.service()));
    });
    return leaseView(queries.lease(id).orElseThrow(), clock.instant());
  }

  private static void refuseDead(String id, boolean released, String expiresAt, Instant now) {
    if (released) {
      throw new ApiException(409, "lease-released", "lease " + id + " was released; acquire a new one");
    }
    if (!Instant.parse(expiresAt).isAfter(now)) {
      throw new ApiException(409, "lease-expired", "lease " + id + " expired at " + expiresAt + "; acquire a new one");
    }
  }

  private static Duration ttl(String text) {
    Duration d;
    try {
      d = ServiceSpec.parseDuration(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("ttl: " + e.getMessage());
    }
    if (d.isZero() || d.compareTo(MAX_LEASE) > 0) {
      throw ApiException.badRequest("ttl: " + text + " (expected: more than 0 and at most 366d; pin a version to keep"
          + " it for good)");
    }
    return d;
  }

  /** The later of two ISO instants (either may be null). */
  private static String later(String a, String b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    return Instant.parse(a).isBefore(Instant.parse(b)) ? b : a;
  }

  static Map<String, Object> leaseView(LeaseRow l, Instant now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", l.id());
    m.put("service", l.service());
    m.put("version", l.label());
    m.put("client", l.client());
    m.put("expiresAt", l.expiresAt());
    m.put("released", l.released());
    m.put("live", !l.released() && Instant.parse(l.expiresAt()).isAfter(now));
    m.put("acquiredBy", l.acquiredBy());
    m.put("acquiredAt", l.acquiredAt());
    return m;
  }
}
