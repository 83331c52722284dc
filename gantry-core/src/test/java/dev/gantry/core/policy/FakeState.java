package dev.gantry.core.policy;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.core.ledger.LedgerStore.ApprovalRecord;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.ledger.LedgerStore.CommitRecord;
import dev.gantry.core.ledger.LedgerStore.ComponentRecord;
import dev.gantry.core.ledger.LedgerStore.DeploymentRecord;
import dev.gantry.core.ledger.LedgerStore.EnvironmentRecord;
import dev.gantry.core.ledger.LedgerStore.StateView;
import dev.gantry.core.ledger.LedgerStore.TestRunRecord;
import dev.gantry.core.ledger.LedgerStore.TokenRecord;
import dev.gantry.core.provenance.Dsse;
import dev.gantry.core.provenance.EcKey;
import dev.gantry.core.provenance.ProvenanceStatement;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A working in-memory StateView for policy tests: accounts, one artifact's facts, environments, approvals. */
final class FakeState implements StateView {
  static final EcKey KEY = EcKey.generate();
  static final String DIGEST = "ab".repeat(32);

  final Map<String, AccountRecord> accounts = new HashMap<>();
  final Map<String, ArtifactRecord> artifacts = new HashMap<>();
  final Map<String, EnvironmentRecord> environments = new HashMap<>();
  final List<CommitRecord> commits = new ArrayList<>();
  final List<TestRunRecord> tests = new ArrayList<>();
  final List<ComponentRecord> components = new ArrayList<>();
  final List<ApprovalRecord> approvals = new ArrayList<>();
  final List<DeploymentRecord> deployments = new ArrayList<>();

  /** A signed artifact A-000001 of pricing registered by robot "ci", with one linked commit by Dana Dev. */
  static FakeState standard() {
    FakeState s = new FakeState();
    s.account("ci", "robot", "deployer");
    s.account("alice", "human", "approver");
    s.account("bob", "human", "approver");
    s.account("dana", "human", "approver"); // the commit author
    s.account("olga", "human", "operator");
    s.account("vic", "human", "viewer");
    s.account("robo", "robot", "approver"); // cannot be granted; here to show the command refuses it anyway
    s.artifact("A-000001", true, true);
    s.commits.add(new CommitRecord("c0ffee".repeat(6) + "abcd", "Dana Dev <dana@bank.example>",
        "2030-01-01T00:00:00Z", "PRC-101 price feed", List.of("PRC-101")));
    s.components.add(new ComponentRecord("pkg:maven/x/y@1", "y", "1.0", "pkg:maven/x/y@1"));
    return s;
  }

  FakeState account(String name, String kind, String... roles) {
    accounts.put(name, new AccountRecord(name, kind, List.of(roles), false, "2030-01-01T00:00:00.000Z"));
    return this;
  }

  FakeState artifact(String serial, boolean sbom, boolean signed) {
    String prov = "";
    if (signed) {
      byte[] st = ProvenanceStatement.build(serial, "pricing", "pricing.jar", DIGEST, "cd".repeat(32), null,
          List.of(), Map.of(), "https://gantry.dev/builder", "2030-01-01T00:00:00Z");
      prov = Dsse.sign(Dsse.IN_TOTO, st, KEY);
    }
    artifacts.put(serial, new ArtifactRecord(serial, 1, "pricing", "cd".repeat(32), DIGEST, "pricing.jar", 10, "jar",
        "https://git.example/pricing.git", "c0ffee", "main", false, sbom ? "ef".repeat(32) : null, "{}", prov, "ci",
        "2030-01-01T00:00:00.000Z"));
    return this;
  }

  FakeState environment(Map<String, Object> definition) {
    Environment e = Environment.parse(definition);
    environments.put(e.name(), new EnvironmentRecord(e.name(), Json.canonical(e.toJson()), "olga",
        "2030-01-01T00:00:00.000Z"));
    return this;
  }

  FakeState tests(String suite, long tests, long failures) {
    long run = this.tests.stream().filter(t -> t.suite().equals(suite)).count() + 1;
    this.tests.add(new TestRunRecord(suite, run, tests, failures, 0, 0, "ci", "2030-01-01T00:00:00.000Z"));
    return this;
  }

  FakeState approval(String account, String decision, String env, Instant at) {
    long n = approvals.stream().filter(a -> a.account().equals(account)).count() + 1;
    approvals.add(new ApprovalRecord("A-000001/" + env + "/" + account + "/" + n, "pricing", "A-000001", DIGEST, env,
        account, decision, "", at.toString()));
    return this;
  }

  FakeState deployed(String env, String phase) {
    return deployed(env, phase, false);
  }

  FakeState deployed(String env, String phase, boolean breakGlass) {
    deployments.add(new DeploymentRecord("pricing-d" + (deployments.size() + 1), "pricing", "A-000001", env, "deploy",
        phase, breakGlass, "2030-01-01T00:00:00.000Z"));
    return this;
  }

  ReleaseContext context(String env, Instant now) {
    Environment e = ReleaseCommands.definition(environments.get(env));
    return ReleaseContext.gather(this, artifacts.get("A-000001"), e, KEY, now);
  }

  @Override
  public Optional<AccountRecord> account(String name) {
    return Optional.ofNullable(accounts.get(name));
  }

  @Override
  public Optional<TokenRecord> token(String id) {
    return Optional.empty();
  }

  @Override
  public Optional<ArtifactRecord> artifact(String serial) {
    return Optional.ofNullable(artifacts.get(serial));
  }

  @Override
  public Optional<ArtifactRecord> artifactByDigest(String service, String digest) {
    return Optional.empty();
  }

  @Override
  public Optional<ArtifactRecord> latestArtifact(String service) {
    return Optional.empty();
  }

  @Override
  public long nextArtifactNumber() {
    return artifacts.size() + 1;
  }

  @Override
  public long nextTestRun(String serial, String suite) {
    return 1;
  }

  @Override
  public Optional<EnvironmentRecord> environment(String name) {
    return Optional.ofNullable(environments.get(name));
  }

  @Override
  public List<CommitRecord> commits(String serial) {
    return commits;
  }

  @Override
  public List<TestRunRecord> testRuns(String serial) {
    return tests;
  }

  @Override
  public List<ComponentRecord> components(String serial) {
    return components;
  }

  @Override
  public List<ApprovalRecord> approvals(String serial, String environment) {
    return approvals.stream().filter(a -> a.environment().equals(environment)).toList();
  }

  @Override
  public List<DeploymentRecord> deploymentsOf(String serial) {
    return deployments;
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  // The version directory is not part of policy decisions: no services, versions, leases or clients here.
  @Override
  public Optional<dev.gantry.core.ledger.LedgerStore.ServiceRecord> service(String name) {
    return Optional.empty();
  }

  @Override
  public List<dev.gantry.core.ledger.LedgerStore.VersionRecord> versions(String service) {
    return List.of();
  }

  @Override
  public List<dev.gantry.core.ledger.LedgerStore.LeaseRecord> leases(String service) {
    return List.of();
  }

  @Override
  public Optional<dev.gantry.core.ledger.LedgerStore.LeaseRecord> lease(String id) {
    return Optional.empty();
  }

  @Override
  public long nextLeaseNumber() {
    return 1;
  }

  @Override
  public List<dev.gantry.core.ledger.LedgerStore.ClientRecord> versionClients(String service) {
    return List.of();
  }
}
