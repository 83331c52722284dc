package dev.gantry.core.ledger;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the ledger lives. Implementations append an event and update the projections it changes in one
 * transaction, assign gapless sequence numbers under concurrency, and never rewrite an entry.
 */
public interface LedgerStore extends AutoCloseable {

  /**
   * Runs a command: {@code decide} sees the current state through the transaction and returns the
   * events to append (or throws to refuse, which changes nothing). Returns the appended entries once
   * they are durable.
   */
  List<LedgerEntry> append(String actor, Command decide);

  /** Entries with seq in [from, to], in order; stops early when the consumer throws. */
  void scan(long from, long to, Consumer<LedgerEntry> consumer);

  /** The current head: number of entries and the hash of the last one. */
  Head head();

  Optional<LedgerEntry> entry(long seq);

  @Override
  void close();

  /** The head of the chain. */
  record Head(long size, String hash) {}

  /** Decides, inside the append transaction, which events a request produces. */
  @FunctionalInterface
  interface Command {
    List<LedgerEvent> decide(StateView state);
  }

  /** Read access to the projections inside the append transaction. */
  interface StateView {
    /** An account's current record, if it exists. */
    Optional<AccountRecord> account(String name);

    /** A token's current record, if it exists. */
    Optional<TokenRecord> token(String id);

    /** The artifact with this serial. */
    Optional<ArtifactRecord> artifact(String serial);

    /** The artifact of service with this (as built) digest: registration is idempotent. */
    Optional<ArtifactRecord> artifactByDigest(String service, String digest);

    /** The service's newest artifact. */
    Optional<ArtifactRecord> latestArtifact(String service);

    /** The number the next registered artifact gets (serials are monotonic per installation). */
    long nextArtifactNumber();

    /** The run number the next evidence of this suite for this artifact gets. */
    long nextTestRun(String serial, String suite);

    /** An environment's current definition. */
    Optional<EnvironmentRecord> environment(String name);

    /** The commits recorded with an artifact, in registration order. */
    List<CommitRecord> commits(String serial);

    /** The test evidence of an artifact, every suite and run, oldest first. */
    List<TestRunRecord> testRuns(String serial);

    /** The SBOM components of an artifact. */
    List<ComponentRecord> components(String serial);

    /** Approvals and rejections of an artifact for an environment, oldest first. */
    List<ApprovalRecord> approvals(String serial, String environment);

    /** Deployments that brought an artifact in, in any environment, oldest first. */
    List<DeploymentRecord> deploymentsOf(String serial);

    /** A service's default-address facts (stable serial, pin), if the service exists. */
    Optional<ServiceRecord> service(String name);

    /** A service's versions, running and retired, in no particular order. */
    List<VersionRecord> versions(String service);

    /** A service's leases, every one ever taken (released and expired ones too). */
    List<LeaseRecord> leases(String service);

    /** One lease by id. */
    Optional<LeaseRecord> lease(String id);

    /** The number the next lease gets ({@code L-000042}): leases are never deleted, so it is one past the highest. */
    long nextLeaseNumber();

    /** The clients recorded (flushed to the ledger) per version of a service, with their last-seen times. */
    List<ClientRecord> versionClients(String service);
  }

  /** A service's default-address facts: the latest promoted serial and the pinned label (both may be null). */
  record ServiceRecord(String name, String stableSerial, String pinned) {}

  /** A version of a service; state is running or retired. Times are ISO instants as the ledger wrote them. */
  record VersionRecord(String service, String label, String serial, String state, boolean sideBySide, String addedAt,
      String deprecatedAt, String retiredAt, String reason, String successor) {
    public boolean running() {
      return state.equals("running");
    }
  }

  /** A lease on a version of a service. */
  record LeaseRecord(String id, String service, String label, String client, String expiresAt, boolean released,
      String acquiredBy, String acquiredAt) {}

  /**
   * A client the router saw calling a version, as flushed to the ledger: last seen by any address, and last seen
   * addressing the version by version (null: never), which is what keeps a version that is not the default.
   */
  record ClientRecord(String service, String label, String client, String lastSeen, String explicitLastSeen) {}

  /** Projection of an environment: its canonical definition and who applied it. */
  record EnvironmentRecord(String name, String definition, String appliedBy, String appliedAt) {}

  /** A commit of an artifact with the requirement ids its message names. */
  record CommitRecord(String id, String author, String time, String message, List<String> requirements) {}

  /** One recorded run of a test suite for an artifact. */
  record TestRunRecord(String suite, long run, long tests, long failures, long errors, long skipped,
      String recordedBy, String recordedAt) {}

  /** An SBOM component. */
  record ComponentRecord(String ref, String name, String version, String purl) {}

  /** An approval or rejection ("approve" / "reject") by account, bound to an artifact's digest and an environment. */
  record ApprovalRecord(String id, String service, String serial, String digest, String environment, String account,
      String decision, String comment, String decidedAt) {}

  /** A deployment as the policy sees it. */
  record DeploymentRecord(String id, String service, String serial, String environment, String kind, String phase,
      boolean breakGlass, String startedAt) {}

  /** Projection of an artifact (the summary columns; details are in their own tables). */
  record ArtifactRecord(String serial, long number, String service, String digest, String stampedDigest,
      String filename, long size, String format, String repo, String commit, String branch, boolean dirty,
      String sbomDigest, String tools, String provenance, String registeredBy, String registeredAt) {}

  /** Projection of an account. */
  record AccountRecord(String name, String kind, List<String> roles, boolean disabled, String createdAt) {}

  /** Projection of a token (never the token itself). */
  record TokenRecord(String id, String account, String sha256, String expiresAt, boolean revoked, String createdAt,
      String description) {}
}
