package dev.gantry.core.ledger;

import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.core.json.Json;
import dev.gantry.core.json.JsonException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every state change in Gantry, as a typed value. The ledger stores {@link #type()} and {@link #body()};
 * {@link #decode(String, Map)} turns them back into the same record, so replay is exact.
 *
 * <p>Adding an event: a record here, a case in {@link #decode}, a case in the projector's switch.
 * The compiler then points at every switch that has not handled it.
 */
public sealed interface LedgerEvent {

  /** Stable wire name, e.g. {@code account.created}. */
  String type();

  /** What the event is about, e.g. {@code account:alice}; used to filter the log. */
  String subject();

  /** The event's data; values are strings, integers, booleans, lists and maps only. */
  Map<String, Object> body();

  /** The installation's first event: its origin name and the checkpoint verifier key. */
  record InstallationInitialized(String origin, String verifierKey) implements LedgerEvent {
    public String type() {
      return "installation.initialized";
    }

    public String subject() {
      return "installation";
    }

    public Map<String, Object> body() {
      return Map.of("origin", origin, "verifierKey", verifierKey);
    }
  }

  /** An account was created with its kind and roles. */
  record AccountCreated(String name, AccountKind kind, Set<Role> roles) implements LedgerEvent {
    public AccountCreated {
      roles = Set.copyOf(roles);
    }

    public String type() {
      return "account.created";
    }

    public String subject() {
      return "account:" + name;
    }

    public Map<String, Object> body() {
      return Map.of("name", name, "kind", kind.wire(), "roles", roleList(roles));
    }
  }

  /** An account's roles were replaced. */
  record AccountRolesSet(String name, Set<Role> roles) implements LedgerEvent {
    public AccountRolesSet {
      roles = Set.copyOf(roles);
    }

    public String type() {
      return "account.roles-set";
    }

    public String subject() {
      return "account:" + name;
    }

    public Map<String, Object> body() {
      return Map.of("name", name, "roles", roleList(roles));
    }
  }

  /** An account can no longer act; its tokens stop working. */
  record AccountDisabled(String name, String reason) implements LedgerEvent {
    public String type() {
      return "account.disabled";
    }

    public String subject() {
      return "account:" + name;
    }

    public Map<String, Object> body() {
      return Map.of("name", name, "reason", reason);
    }
  }

  /**
   * An API token was issued. Only its SHA-256 is kept: the token has 256 random bits, so the hash
   * reveals nothing, and replay can rebuild the token table from the ledger alone.
   */
  record TokenCreated(String id, String account, String sha256, String expiresAt, String description)
      implements LedgerEvent {
    public String type() {
      return "token.created";
    }

    public String subject() {
      return "token:" + id;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("account", account);
      m.put("sha256", sha256);
      m.put("expiresAt", expiresAt);
      m.put("description", description);
      return m;
    }
  }

  /** A token was revoked. */
  record TokenRevoked(String id, String account) implements LedgerEvent {
    public String type() {
      return "token.revoked";
    }

    public String subject() {
      return "token:" + id;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "account", account);
    }
  }

  /** A request was refused; recorded so that probing and misuse are visible to auditors. */
  record RequestRefused(String principal, String method, String path, long status, String reason)
      implements LedgerEvent {
    public String type() {
      return "request.refused";
    }

    public String subject() {
      return "request:" + principal;
    }

    public Map<String, Object> body() {
      return Map.of("principal", principal, "method", method, "path", path, "status", status, "reason", reason);
    }
  }


  /** Where an artifact's source came from. */
  record Source(String repo, String commit, String branch, boolean dirty) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("repo", repo);
      m.put("commit", commit);
      m.put("branch", branch);
      m.put("dirty", dirty);
      return m;
    }

    static Source from(Map<String, Object> m) {
      return new Source(Json.optString(m, "repo"), Json.optString(m, "commit"), Json.optString(m, "branch"),
          Boolean.TRUE.equals(m.get("dirty")));
    }
  }

  /** A commit since the service's previous artifact, with the requirement ids its message names. */
  record Commit(String id, String author, String time, String message, List<String> requirements) {
    public Commit {
      requirements = List.copyOf(requirements);
    }

    Map<String, Object> json() {
      return Map.of("id", id, "author", author, "time", time, "message", message, "requirements", requirements);
    }

    static Commit from(Map<String, Object> m) {
      return new Commit(Json.string(m, "id"), Json.string(m, "author"), Json.string(m, "time"),
          Json.string(m, "message"), Json.strings(m, "requirements"));
    }
  }

  /** A library from the SBOM: bom-ref, name, version, purl and hashes ("SHA-256:hex"). */
  record Component(String ref, String name, String version, String purl, List<String> hashes) {
    public Component {
      hashes = List.copyOf(hashes);
    }

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ref", ref);
      m.put("name", name);
      m.put("version", version);
      m.put("purl", purl);
      m.put("hashes", hashes);
      return m;
    }

    static Component from(Map<String, Object> m) {
      return new Component(Json.string(m, "ref"), Json.string(m, "name"), Json.optString(m, "version"),
          Json.optString(m, "purl"), Json.strings(m, "hashes"));
    }
  }

  /**
   * An artifact was registered: its serial, both digests (as built, as stamped with the serial), its
   * source, the commits since the service's previous artifact, its SBOM components, build tools, and
   * the signed provenance (a DSSE envelope, kept whole so replay needs nothing but the ledger).
   */
  record ArtifactRegistered(String serial, long number, String service, String digest, String stampedDigest,
      String filename, long size, String format, Source source, List<Commit> commits, String sbomDigest,
      List<Component> components, Map<String, String> tools, String provenance) implements LedgerEvent {
    public ArtifactRegistered {
      commits = List.copyOf(commits);
      components = List.copyOf(components);
      tools = Map.copyOf(tools);
    }

    public String type() {
      return "artifact.registered";
    }

    public String subject() {
      return "artifact:" + serial;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("serial", serial);
      m.put("number", number);
      m.put("service", service);
      m.put("digest", digest);
      m.put("stampedDigest", stampedDigest);
      m.put("filename", filename);
      m.put("size", size);
      m.put("format", format);
      m.put("source", source == null ? null : source.json());
      m.put("commits", commits.stream().map(Commit::json).toList());
      m.put("sbomDigest", sbomDigest);
      m.put("components", components.stream().map(Component::json).toList());
      m.put("tools", new java.util.TreeMap<>(tools));
      m.put("provenance", provenance);
      return m;
    }
  }

  /** One JUnit test case's outcome. status is passed, failed, error or skipped. */
  record TestCase(String test, String status, long timeMs, String message) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("test", test);
      m.put("status", status);
      m.put("timeMs", timeMs);
      m.put("message", message);
      return m;
    }

    static TestCase from(Map<String, Object> m) {
      return new TestCase(Json.string(m, "test"), Json.string(m, "status"), Json.integer(m, "timeMs"),
          Json.optString(m, "message"));
    }
  }

  /** Test evidence for an artifact: a smoke or full suite run, its totals and every case. */
  record TestsRecorded(String serial, String suite, long run, long tests, long failures, long errors, long skipped,
      List<TestCase> cases) implements LedgerEvent {
    public TestsRecorded {
      cases = List.copyOf(cases);
    }

    public String type() {
      return "artifact.tests-recorded";
    }

    public String subject() {
      return "artifact:" + serial;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("serial", serial);
      m.put("suite", suite);
      m.put("run", run);
      m.put("tests", tests);
      m.put("failures", failures);
      m.put("errors", errors);
      m.put("skipped", skipped);
      m.put("cases", cases.stream().map(TestCase::json).toList());
      return m;
    }
  }


  /** A service's spec was applied (the spec's canonical JSON, as ServiceSpec#toJson gives it). */
  record ServiceApplied(String name, String spec) implements LedgerEvent {
    public String type() {
      return "service.applied";
    }

    public String subject() {
      return "service:" + name;
    }

    public Map<String, Object> body() {
      return Map.of("name", name, "spec", spec);
    }
  }

  /**
   * A deployment began: kind is "deploy" or "rollback"; fromSerial is the version serving before (may be null);
   * environment is the policy scope it was released into (entries written before environments existed have
   * none, which means {@code default}).
   */
  record DeploymentStarted(String id, String service, String serial, String fromSerial, String kind,
      String environment) implements LedgerEvent {
    public DeploymentStarted {
      environment = environment == null ? dev.gantry.core.policy.Environment.DEFAULT : environment;
    }

    /** A deployment in the default environment. */
    public DeploymentStarted(String id, String service, String serial, String fromSerial, String kind) {
      this(id, service, serial, fromSerial, kind, null);
    }

    public String type() {
      return "deployment.started";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("service", service);
      m.put("serial", serial);
      m.put("fromSerial", fromSerial);
      m.put("kind", kind);
      m.put("environment", environment);
      return m;
    }
  }

  /** A deployment moved to its next phase, with the reason. */
  record DeploymentPhaseChanged(String id, String service, String phase, String reason) implements LedgerEvent {
    public String type() {
      return "deployment.phase-changed";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "phase", phase, "reason", reason);
    }
  }

  /** The smoke checks through the preview route passed or failed. */
  record DeploymentSmokeChecked(String id, String service, boolean passed, String detail) implements LedgerEvent {
    public String type() {
      return "deployment.smoke-checked";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "passed", passed, "detail", detail);
    }
  }

  /** Someone asked to abort a deployment (traffic back to the previous version at once). */
  record DeploymentAbortRequested(String id, String service, String reason) implements LedgerEvent {
    public String type() {
      return "deployment.abort-requested";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "reason", reason);
    }
  }

  /** A canary moved to a step (0-based; the number of steps when all are done) with the weight now in force. */
  record DeploymentStepChanged(String id, String service, long step, long weight, String reason)
      implements LedgerEvent {
    public String type() {
      return "deployment.step-changed";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "step", step, "weight", weight, "reason", reason);
    }
  }

  /** One metric of an analysis run: its verdict, a sentence, and the numbers behind it (decimals as text). */
  record AnalysisMetric(String name, String verdict, String detail, Map<String, String> numbers) {
    public AnalysisMetric {
      numbers = Map.copyOf(numbers);
    }

    Map<String, Object> json() {
      return Map.of("name", name, "verdict", verdict, "detail", detail, "numbers", new java.util.TreeMap<>(numbers));
    }

    static AnalysisMetric from(Map<String, Object> m) {
      return new AnalysisMetric(Json.string(m, "name"), Json.string(m, "verdict"), Json.string(m, "detail"),
          stringMap(Json.object(m, "numbers")));
    }
  }

  /**
   * A canary analysis run: kind is "background" (the whole canary so far) or "step" (an analysis step's window);
   * verdict is pass, fail or inconclusive; tested says whether there was data enough to test.
   *
   * <p>A background run also records {@code stepRequests}, the canary requests its run saw since the current
   * step began (or since the server started, whichever is later: the router's counters live in the server), and
   * {@code countsForWeight}, whether it is the pass at the weight in force that a higher weight and the
   * completion wait for (a pass with at least minRequests of them). Both are null in entries written before
   * they existed (and in step runs); a pass without {@code countsForWeight} counts, as it did then.
   */
  record DeploymentAnalysisRecorded(String id, String service, long run, String kind, String verdict, boolean tested,
      String summary, List<AnalysisMetric> metrics, Long stepRequests, Boolean countsForWeight)
      implements LedgerEvent {
    public DeploymentAnalysisRecorded {
      metrics = List.copyOf(metrics);
    }

    /** A run without the gate's fields (a step run, or an entry from before them). */
    public DeploymentAnalysisRecorded(String id, String service, long run, String kind, String verdict, boolean tested,
        String summary, List<AnalysisMetric> metrics) {
      this(id, service, run, kind, verdict, tested, summary, metrics, null, null);
    }

    /** Whether a pass of this run counts as the pass at the weight in force (absent: it does, as before). */
    public boolean passCountsForWeight() {
      return verdict.equals("pass") && !Boolean.FALSE.equals(countsForWeight);
    }

    public String type() {
      return "deployment.analysis-recorded";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("service", service);
      m.put("run", run);
      m.put("kind", kind);
      m.put("verdict", verdict);
      m.put("tested", tested);
      m.put("summary", summary);
      m.put("metrics", metrics.stream().map(AnalysisMetric::json).toList());
      // Absent rather than null in entries without them, so older entries keep their bytes (and hashes).
      if (stepRequests != null) {
        m.put("stepRequests", stepRequests);
      }
      if (countsForWeight != null) {
        m.put("countsForWeight", countsForWeight);
      }
      return m;
    }
  }

  /** Someone promoted a canary: past its current step, or (full) to all traffic at once. */
  record DeploymentPromoteRequested(String id, String service, boolean full) implements LedgerEvent {
    public String type() {
      return "deployment.promote-requested";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "full", full);
    }
  }

  /** A canary stopped advancing until someone promotes it (e.g. its analysis stayed inconclusive too long). */
  record DeploymentPaused(String id, String service, String reason) implements LedgerEvent {
    public String type() {
      return "deployment.paused";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "reason", reason);
    }
  }

  /**
   * A version of a service became addressable (its deployment completed): label is {@code vN}, N the
   * artifact's place among the service's builds; sideBySide says whether the version before it stays.
   */
  record VersionAdded(String service, String label, String serial, boolean sideBySide) implements LedgerEvent {
    public String type() {
      return "version.added";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      return Map.of("service", service, "label", label, "serial", serial, "sideBySide", sideBySide);
    }
  }

  /**
   * A version was retired (replaced, or quiet for longer than retireAfter), with the evidence in reason and,
   * since #6's fix, as fields too: requests naming it get 410 Gone with the successor. Entries written before
   * the fields existed have no {@code evidence} (null), and read as before.
   */
  record VersionRetired(String service, String label, String serial, String reason, String successor,
      Evidence evidence) implements LedgerEvent {
    public VersionRetired(String service, String label, String serial, String reason, String successor) {
      this(service, label, serial, reason, successor, null);
    }

    public String type() {
      return "version.retired";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("service", service);
      m.put("label", label);
      m.put("serial", serial);
      m.put("reason", reason);
      m.put("successor", successor);
      if (evidence != null) { // absent, not null, so an entry without evidence keeps the body it always had
        m.put("evidence", evidence.toJson());
      }
      return m;
    }

    /**
     * What the retirement was decided on: the last client seen by any address (null: none ever) and when, the
     * last client that addressed the version by version and when (what decides once it is not the default;
     * absent in entries written before explicit clients were told apart, and when there was none), and every
     * lease the version had (released or expired by then).
     */
    public record Evidence(String lastClient, String lastSeen, String lastExplicitClient, String lastExplicitSeen,
        List<LeaseEvidence> leases) {
      public Evidence {
        leases = List.copyOf(leases);
      }

      public Evidence(String lastClient, String lastSeen, List<LeaseEvidence> leases) {
        this(lastClient, lastSeen, null, null, leases);
      }

      Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lastClient", lastClient);
        m.put("lastSeen", lastSeen);
        if (lastExplicitSeen != null) { // absent when none: evidence written before keeps its body
          m.put("lastExplicitClient", lastExplicitClient);
          m.put("lastExplicitSeen", lastExplicitSeen);
        }
        m.put("leases", leases.stream().map(LeaseEvidence::toJson).toList());
        return m;
      }

      static Evidence from(Map<String, Object> m) {
        return new Evidence(Json.optString(m, "lastClient"), Json.optString(m, "lastSeen"),
            Json.optString(m, "lastExplicitClient"), Json.optString(m, "lastExplicitSeen"),
            objects(m, "leases").stream().map(LeaseEvidence::from).toList());
      }
    }

    /** One lease of a retired version: who held it, until when, and whether it was given back. */
    public record LeaseEvidence(String id, String client, String expiresAt, boolean released) {
      Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("client", client);
        m.put("expiresAt", expiresAt);
        m.put("released", released);
        return m;
      }

      static LeaseEvidence from(Map<String, Object> m) {
        return new LeaseEvidence(Json.string(m, "id"), Json.string(m, "client"), Json.string(m, "expiresAt"),
            Boolean.TRUE.equals(m.get("released")));
      }
    }
  }

  /** The default address of a service was pinned to a version (label), or unpinned (label null). */
  record VersionPinned(String service, String label) implements LedgerEvent {
    public String type() {
      return "version.pinned";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("service", service);
      m.put("label", label);
      return m;
    }
  }

  /**
   * Clients the router saw calling a version, with when each was last seen (ISO instants), by any address.
   *
   * @param explicitLastSeen of those clients, when each last addressed the version by version (Gantry-Version
   *     header, /SERVICE/vN path, vN.HOST host) rather than through the default address; a client absent here
   *     was not seen doing so since the previous sighting. Null in entries written before the router told the
   *     two apart (the body has no {@code explicitLastSeen}, so their bodies and hashes are unchanged): their
   *     clients are read as explicit, as they counted then, so a replay keeps what those entries kept
   */
  record ClientsSeen(String service, String label, Map<String, String> lastSeen, Map<String, String> explicitLastSeen)
      implements LedgerEvent {
    public ClientsSeen {
      lastSeen = Map.copyOf(lastSeen);
      explicitLastSeen = explicitLastSeen == null ? null : Map.copyOf(explicitLastSeen);
      if (explicitLastSeen != null && !lastSeen.keySet().containsAll(explicitLastSeen.keySet())) {
        throw new IllegalArgumentException("explicitLastSeen: clients " + explicitLastSeen.keySet()
            + " (expected: among the clients of lastSeen " + lastSeen.keySet() + ")");
      }
    }

    /** An entry as written before explicit clients were told apart (no explicitLastSeen). */
    public ClientsSeen(String service, String label, Map<String, String> lastSeen) {
      this(service, label, lastSeen, null);
    }

    public String type() {
      return "version.clients-seen";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("service", service);
      m.put("label", label);
      m.put("lastSeen", new java.util.TreeMap<>(lastSeen));
      if (explicitLastSeen != null) { // absent, not null, in the entries written before
        m.put("explicitLastSeen", new java.util.TreeMap<>(explicitLastSeen));
      }
      return m;
    }
  }

  /** A declared client keeps a version alive until expiresAt, however quiet it is. */
  record LeaseAcquired(String id, String service, String label, String client, String expiresAt)
      implements LedgerEvent {
    public String type() {
      return "lease.acquired";
    }

    public String subject() {
      return "lease:" + id;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "label", label, "client", client, "expiresAt", expiresAt);
    }
  }

  /** A lease now runs until expiresAt. */
  record LeaseRenewed(String id, String service, String expiresAt) implements LedgerEvent {
    public String type() {
      return "lease.renewed";
    }

    public String subject() {
      return "lease:" + id;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "expiresAt", expiresAt);
    }
  }

  /** A lease was given back before it expired. */
  record LeaseReleased(String id, String service) implements LedgerEvent {
    public String type() {
      return "lease.released";
    }

    public String subject() {
      return "lease:" + id;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service);
    }
  }

  /** An instance was started (or adopted after a restart) at a loopback port. */
  record InstanceStarted(String id, String service, String serial, long port, long pid) implements LedgerEvent {
    public String type() {
      return "instance.started";
    }

    public String subject() {
      return "instance:" + id;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "serial", serial, "port", port, "pid", pid);
    }
  }

  /** An instance was stopped, or found gone. */
  record InstanceStopped(String id, String service, String reason) implements LedgerEvent {
    public String type() {
      return "instance.stopped";
    }

    public String subject() {
      return "instance:" + id;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "reason", reason);
    }
  }

  /** An instance's artifact copy no longer has the deployed digest: it leaves routing and is replaced. */
  record InstanceDrifted(String id, String service, String reason) implements LedgerEvent {
    public String type() {
      return "instance.drifted";
    }

    public String subject() {
      return "instance:" + id;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "service", service, "reason", reason);
    }
  }

  /** A halt: scope is a service name or "*" for all; nothing progresses or starts until resumed. */
  record Halted(String scope, String reason) implements LedgerEvent {
    public String type() {
      return "halt.set";
    }

    public String subject() {
      return "halt:" + scope;
    }

    public Map<String, Object> body() {
      return Map.of("scope", scope, "reason", reason);
    }
  }

  /** A halt was lifted. */
  record Resumed(String scope) implements LedgerEvent {
    public String type() {
      return "halt.lifted";
    }

    public String subject() {
      return "halt:" + scope;
    }

    public Map<String, Object> body() {
      return Map.of("scope", scope);
    }
  }

  /** An environment's definition was applied (its canonical JSON, as Environment#toJson gives it). */
  record EnvironmentApplied(String name, String definition) implements LedgerEvent {
    public String type() {
      return "environment.applied";
    }

    public String subject() {
      return "environment:" + name;
    }

    public Map<String, Object> body() {
      return Map.of("name", name, "definition", definition);
    }
  }

  /**
   * A human approved or rejected ({@code decision}) an artifact for an environment. Bound to the stamped
   * digest: a different artifact needs its own approvals. The actor of the entry is the approver.
   */
  record ApprovalRecorded(String id, String service, String serial, String digest, String environment,
      String account, String decision, String comment) implements LedgerEvent {
    public String type() {
      return "approval.recorded";
    }

    public String subject() {
      return "artifact:" + serial;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("service", service);
      m.put("serial", serial);
      m.put("digest", digest);
      m.put("environment", environment);
      m.put("account", account);
      m.put("decision", decision);
      m.put("comment", comment);
      return m;
    }
  }

  /**
   * The policy of an environment was evaluated for a deployment attempt: each rule's verdict, reason and
   * what would satisfy it ({@code rules}: objects {rule, verdict, reason, satisfy}). {@code deployment} is
   * the deployment it allowed, or null when refused. Recorded for refusals too: the refusal is evidence.
   * {@code at} is the instant the rules were evaluated at, and {@code provenanceVerified} the outcome of the
   * provenance signature check (needs the provenance key): with both, an audit replay re-derives every
   * verdict from the replayed state alone.
   */
  record PolicyEvaluated(String service, String serial, String digest, String environment, String deployment,
      boolean allowed, boolean breakGlass, List<Map<String, Object>> rules, String at, boolean provenanceVerified)
      implements LedgerEvent {
    public PolicyEvaluated {
      rules = List.copyOf(rules);
    }

    public String type() {
      return "policy.evaluated";
    }

    public String subject() {
      return "artifact:" + serial;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("service", service);
      m.put("serial", serial);
      m.put("digest", digest);
      m.put("environment", environment);
      m.put("deployment", deployment);
      m.put("allowed", allowed);
      m.put("breakGlass", breakGlass);
      m.put("rules", rules);
      m.put("at", at);
      m.put("provenanceVerified", provenanceVerified);
      return m;
    }
  }

  /**
   * Break glass: an operator started a rollback to a previously deployed and approved artifact past the
   * rules that failed ({@code overridden}). The entry is the notification; watchers of the ledger alert on it.
   */
  record BreakGlassUsed(String deployment, String service, String serial, String environment, String reason,
      List<String> overridden) implements LedgerEvent {
    public BreakGlassUsed {
      overridden = List.copyOf(overridden);
    }

    public String type() {
      return "release.break-glass";
    }

    public String subject() {
      return "service:" + service;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("deployment", deployment);
      m.put("service", service);
      m.put("serial", serial);
      m.put("environment", environment);
      m.put("reason", reason);
      m.put("overridden", overridden);
      return m;
    }
  }

  /** Turns a stored type and body back into its event; throws naming what does not fit. */
  static LedgerEvent decode(String type, Map<String, Object> b) {
    try {
      return switch (type) {
        case "installation.initialized" ->
            new InstallationInitialized(Json.string(b, "origin"), Json.string(b, "verifierKey"));
        case "account.created" -> new AccountCreated(
            Json.string(b, "name"), AccountKind.parse(Json.string(b, "kind")), roles(b));
        case "account.roles-set" -> new AccountRolesSet(Json.string(b, "name"), roles(b));
        case "account.disabled" -> new AccountDisabled(Json.string(b, "name"), Json.string(b, "reason"));
        case "token.created" -> new TokenCreated(Json.string(b, "id"), Json.string(b, "account"),
            Json.string(b, "sha256"), Json.optString(b, "expiresAt"), Json.optString(b, "description"));
        case "token.revoked" -> new TokenRevoked(Json.string(b, "id"), Json.string(b, "account"));
        case "request.refused" -> new RequestRefused(Json.string(b, "principal"), Json.string(b, "method"),
            Json.string(b, "path"), Json.integer(b, "status"), Json.string(b, "reason"));
        case "artifact.registered" -> new ArtifactRegistered(Json.string(b, "serial"), Json.integer(b, "number"),
            Json.string(b, "service"), Json.string(b, "digest"), Json.string(b, "stampedDigest"),
            Json.string(b, "filename"), Json.integer(b, "size"), Json.string(b, "format"),
            b.get("source") == null ? null : Source.from(Json.object(b, "source")),
            objects(b, "commits").stream().map(Commit::from).toList(), Json.optString(b, "sbomDigest"),
            objects(b, "components").stream().map(Component::from).toList(), stringMap(Json.object(b, "tools")),
            Json.string(b, "provenance"));
        case "artifact.tests-recorded" -> new TestsRecorded(Json.string(b, "serial"), Json.string(b, "suite"),
            Json.integer(b, "run"), Json.integer(b, "tests"), Json.integer(b, "failures"), Json.integer(b, "errors"),
            Json.integer(b, "skipped"), objects(b, "cases").stream().map(TestCase::from).toList());
        case "service.applied" -> new ServiceApplied(Json.string(b, "name"), Json.string(b, "spec"));
        case "deployment.started" -> new DeploymentStarted(Json.string(b, "id"), Json.string(b, "service"),
            Json.string(b, "serial"), Json.optString(b, "fromSerial"), Json.string(b, "kind"),
            Json.optString(b, "environment"));
        case "environment.applied" -> new EnvironmentApplied(Json.string(b, "name"), Json.string(b, "definition"));
        case "approval.recorded" -> new ApprovalRecorded(Json.string(b, "id"), Json.string(b, "service"),
            Json.string(b, "serial"), Json.string(b, "digest"), Json.string(b, "environment"),
            Json.string(b, "account"), Json.string(b, "decision"), Json.optString(b, "comment"));
        case "policy.evaluated" -> new PolicyEvaluated(Json.string(b, "service"), Json.string(b, "serial"),
            Json.string(b, "digest"), Json.string(b, "environment"), Json.optString(b, "deployment"),
            Boolean.TRUE.equals(b.get("allowed")), Boolean.TRUE.equals(b.get("breakGlass")),
            objects(b, "rules"), Json.optString(b, "at"), Boolean.TRUE.equals(b.get("provenanceVerified")));
        case "release.break-glass" -> new BreakGlassUsed(Json.string(b, "deployment"), Json.string(b, "service"),
            Json.string(b, "serial"), Json.string(b, "environment"), Json.string(b, "reason"),
            Json.strings(b, "overridden"));
        case "deployment.phase-changed" -> new DeploymentPhaseChanged(Json.string(b, "id"), Json.string(b, "service"),
            Json.string(b, "phase"), Json.string(b, "reason"));
        case "deployment.smoke-checked" -> new DeploymentSmokeChecked(Json.string(b, "id"), Json.string(b, "service"),
            Boolean.TRUE.equals(b.get("passed")), Json.string(b, "detail"));
        case "deployment.abort-requested" -> new DeploymentAbortRequested(Json.string(b, "id"),
            Json.string(b, "service"), Json.string(b, "reason"));
        case "deployment.step-changed" -> new DeploymentStepChanged(Json.string(b, "id"), Json.string(b, "service"),
            Json.integer(b, "step"), Json.integer(b, "weight"), Json.string(b, "reason"));
        case "deployment.analysis-recorded" -> new DeploymentAnalysisRecorded(Json.string(b, "id"),
            Json.string(b, "service"), Json.integer(b, "run"), Json.string(b, "kind"), Json.string(b, "verdict"),
            Boolean.TRUE.equals(b.get("tested")), Json.string(b, "summary"),
            objects(b, "metrics").stream().map(AnalysisMetric::from).toList(),
            b.get("stepRequests") == null ? null : Json.integer(b, "stepRequests"),
            b.get("countsForWeight") instanceof Boolean counts ? counts : null);
        case "deployment.promote-requested" -> new DeploymentPromoteRequested(Json.string(b, "id"),
            Json.string(b, "service"), Boolean.TRUE.equals(b.get("full")));
        case "deployment.paused" -> new DeploymentPaused(Json.string(b, "id"), Json.string(b, "service"),
            Json.string(b, "reason"));
        case "version.added" -> new VersionAdded(Json.string(b, "service"), Json.string(b, "label"),
            Json.string(b, "serial"), Boolean.TRUE.equals(b.get("sideBySide")));
        case "version.retired" -> new VersionRetired(Json.string(b, "service"), Json.string(b, "label"),
            Json.string(b, "serial"), Json.string(b, "reason"), Json.optString(b, "successor"),
            b.get("evidence") == null ? null : VersionRetired.Evidence.from(Json.object(b, "evidence")));
        case "version.pinned" -> new VersionPinned(Json.string(b, "service"), Json.optString(b, "label"));
        case "version.clients-seen" -> new ClientsSeen(Json.string(b, "service"), Json.string(b, "label"),
            stringMap(Json.object(b, "lastSeen")),
            b.get("explicitLastSeen") == null ? null : stringMap(Json.object(b, "explicitLastSeen")));
        case "lease.acquired" -> new LeaseAcquired(Json.string(b, "id"), Json.string(b, "service"),
            Json.string(b, "label"), Json.string(b, "client"), Json.string(b, "expiresAt"));
        case "lease.renewed" -> new LeaseRenewed(Json.string(b, "id"), Json.string(b, "service"),
            Json.string(b, "expiresAt"));
        case "lease.released" -> new LeaseReleased(Json.string(b, "id"), Json.string(b, "service"));
        case "instance.started" -> new InstanceStarted(Json.string(b, "id"), Json.string(b, "service"),
            Json.string(b, "serial"), Json.integer(b, "port"), Json.integer(b, "pid"));
        case "instance.stopped" -> new InstanceStopped(Json.string(b, "id"), Json.string(b, "service"),
            Json.string(b, "reason"));
        case "instance.drifted" -> new InstanceDrifted(Json.string(b, "id"), Json.string(b, "service"),
            Json.string(b, "reason"));
        case "halt.set" -> new Halted(Json.string(b, "scope"), Json.string(b, "reason"));
        case "halt.lifted" -> new Resumed(Json.string(b, "scope"));
        default -> throw new JsonException("unknown event type '" + type + "'");
      };
    } catch (IllegalArgumentException e) {
      throw new JsonException(type + ": " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> objects(Map<String, Object> b, String name) {
    Object v = b.get(name);
    if (!(v instanceof List<?> l) || !l.stream().allMatch(o -> o instanceof Map)) {
      throw new JsonException("\"" + name + "\": expected an array of objects");
    }
    return (List<Map<String, Object>>) v;
  }

  private static Map<String, String> stringMap(Map<String, Object> m) {
    Map<String, String> out = new java.util.TreeMap<>();
    m.forEach((k, v) -> {
      if (!(v instanceof String s)) {
        throw new JsonException("\"" + k + "\": expected a string");
      }
      out.put(k, s);
    });
    return out;
  }

  private static List<String> roleList(Set<Role> roles) {
    return new TreeSet<>(roles.stream().map(Role::wire).toList()).stream().toList();
  }

  private static Set<Role> roles(Map<String, Object> b) {
    return Set.copyOf(Json.strings(b, "roles").stream().map(Role::parse).toList());
  }
}
