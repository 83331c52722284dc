package dev.gantry.store;

import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.core.ledger.LedgerStore.ApprovalRecord;
import dev.gantry.core.ledger.LedgerStore.CommitRecord;
import dev.gantry.core.ledger.LedgerStore.ComponentRecord;
import dev.gantry.core.ledger.LedgerStore.DeploymentRecord;
import dev.gantry.core.ledger.LedgerStore.EnvironmentRecord;
import dev.gantry.core.ledger.LedgerStore.TestRunRecord;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.ledger.LedgerStore.StateView;
import dev.gantry.core.ledger.LedgerStore.TokenRecord;
import dev.gantry.core.ledger.LedgerStore.ClientRecord;
import dev.gantry.core.ledger.LedgerStore.LeaseRecord;
import dev.gantry.core.ledger.LedgerStore.ServiceRecord;
import dev.gantry.core.ledger.LedgerStore.VersionRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Reads projections through a given connection: the writer's (inside the append) or a reader's. */
final class JdbcStateView implements StateView {
  private final Connection c;

  JdbcStateView(Connection c) {
    this.c = c;
  }

  @Override
  public Optional<AccountRecord> account(String name) {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT name, kind, roles, disabled, created_at FROM account WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(account(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read account " + name + ": " + e.getMessage(), e);
    }
  }

  static AccountRecord account(ResultSet rs) throws SQLException {
    String roles = rs.getString(3);
    List<String> list = roles.isEmpty() ? List.of() : Arrays.asList(roles.split(","));
    return new AccountRecord(rs.getString(1), rs.getString(2), List.copyOf(list), rs.getInt(4) != 0, rs.getString(5));
  }

  @Override
  public Optional<TokenRecord> token(String id) {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT id, account, sha256, expires_at, revoked, created_at, description FROM token WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(token(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read token " + id + ": " + e.getMessage(), e);
    }
  }

  static final String ARTIFACT_COLUMNS = "serial, number, service, digest, stamped_digest, filename, size, format,"
      + " repo, commit_id, branch, dirty, sbom_digest, tools, provenance, registered_by, registered_at";

  static ArtifactRecord artifact(ResultSet rs) throws SQLException {
    return new ArtifactRecord(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), rs.getLong(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11),
        rs.getInt(12) != 0, rs.getString(13), rs.getString(14), rs.getString(15), rs.getString(16), rs.getString(17));
  }

  private Optional<ArtifactRecord> oneArtifact(String where, Object... args) {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + ARTIFACT_COLUMNS + " FROM artifact " + where)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(artifact(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read artifacts: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<ArtifactRecord> artifact(String serial) {
    return oneArtifact("WHERE serial = ?", serial);
  }

  @Override
  public Optional<ArtifactRecord> artifactByDigest(String service, String digest) {
    return oneArtifact("WHERE service = ? AND digest = ?", service, digest);
  }

  @Override
  public Optional<ArtifactRecord> latestArtifact(String service) {
    return oneArtifact("WHERE service = ? ORDER BY number DESC LIMIT 1", service);
  }

  @Override
  public long nextArtifactNumber() {
    return scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM artifact");
  }

  @Override
  public long nextTestRun(String serial, String suite) {
    return scalar("SELECT COALESCE(MAX(run), 0) + 1 FROM test_run WHERE serial = ? AND suite = ?", serial, suite);
  }

  private long scalar(String sql, Object... args) {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new StoreException("query failed: " + e.getMessage(), e);
    }
  }

  static TokenRecord token(ResultSet rs) throws SQLException {
    return new TokenRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5) != 0,
        rs.getString(6), rs.getString(7));
  }

  @Override
  public Optional<EnvironmentRecord> environment(String name) {
    List<EnvironmentRecord> out = new ArrayList<>();
    rows("SELECT name, definition, applied_by, applied_at FROM environment WHERE name = ?", List.of(name),
        rs -> out.add(new EnvironmentRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4))));
    return out.stream().findFirst();
  }

  @Override
  public List<CommitRecord> commits(String serial) {
    List<CommitRecord> out = new ArrayList<>();
    // updated_seq is the registration's seq for all of an artifact's commits; rowid-free order by id is stable.
    rows("SELECT commit_id, author, time, message, requirements FROM artifact_commit WHERE serial = ?"
        + " ORDER BY time, commit_id", List.of(serial), rs -> {
          String reqs = rs.getString(5);
          out.add(new CommitRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
              reqs.isEmpty() ? List.of() : List.of(reqs.split(","))));
        });
    return out;
  }

  @Override
  public List<TestRunRecord> testRuns(String serial) {
    List<TestRunRecord> out = new ArrayList<>();
    rows("SELECT suite, run, tests, failures, errors, skipped, recorded_by, recorded_at FROM test_run WHERE serial = ?"
        + " ORDER BY updated_seq", List.of(serial), rs -> out.add(new TestRunRecord(rs.getString(1), rs.getLong(2),
        rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getString(7), rs.getString(8))));
    return out;
  }

  @Override
  public List<ComponentRecord> components(String serial) {
    List<ComponentRecord> out = new ArrayList<>();
    rows("SELECT ref, name, version, purl FROM sbom_component WHERE serial = ? ORDER BY ref", List.of(serial),
        rs -> out.add(new ComponentRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4))));
    return out;
  }

  @Override
  public List<ApprovalRecord> approvals(String serial, String environment) {
    List<ApprovalRecord> out = new ArrayList<>();
    rows("SELECT id, service, serial, digest, environment, account, decision, comment, decided_at FROM approval"
        + " WHERE serial = ? AND environment = ? ORDER BY updated_seq", List.of(serial, environment),
        rs -> out.add(new ApprovalRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9))));
    return out;
  }

  @Override
  public List<DeploymentRecord> deploymentsOf(String serial) {
    List<DeploymentRecord> out = new ArrayList<>();
    rows("SELECT id, service, serial, environment, kind, phase, break_glass, started_at FROM deployment"
        + " WHERE serial = ? ORDER BY started_at, id", List.of(serial), rs -> out.add(new DeploymentRecord(
        rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
        rs.getInt(7) != 0, rs.getString(8))));
    return out;
  }

  @Override
  public Optional<ServiceRecord> service(String name) {
    List<ServiceRecord> out = new ArrayList<>();
    rows("SELECT name, stable_serial, pinned FROM service WHERE name = ?", List.of(name),
        rs -> out.add(new ServiceRecord(rs.getString(1), rs.getString(2), rs.getString(3))));
    return out.stream().findFirst();
  }

  @Override
  public List<VersionRecord> versions(String service) {
    List<VersionRecord> out = new ArrayList<>();
    rows("SELECT service, label, serial, state, side_by_side, added_at, deprecated_at, retired_at, reason, successor"
        + " FROM service_version WHERE service = ? ORDER BY label", List.of(service),
        rs -> out.add(new VersionRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getInt(5) != 0, rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10))));
    return out;
  }

  /** A lease row's columns, in the order both readers (this view and {@link DeployQueries}) map them. */
  static final String LEASE_COLUMNS = "id, service, label, client, expires_at, released, acquired_by, acquired_at";
  /** A version's clients, in the order both readers map them. */
  static final String VERSION_CLIENTS = "SELECT service, label, client, last_seen, explicit_last_seen FROM version_client"
      + " WHERE service = ? ORDER BY label, client";

  private static LeaseRecord lease(ResultSet rs) throws SQLException {
    return new LeaseRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getInt(6) != 0, rs.getString(7), rs.getString(8));
  }

  @Override
  public List<LeaseRecord> leases(String service) {
    List<LeaseRecord> out = new ArrayList<>();
    rows("SELECT " + LEASE_COLUMNS + " FROM lease WHERE service = ? ORDER BY id", List.of(service),
        rs -> out.add(lease(rs)));
    return out;
  }

  @Override
  public Optional<LeaseRecord> lease(String id) {
    List<LeaseRecord> out = new ArrayList<>();
    rows("SELECT " + LEASE_COLUMNS + " FROM lease WHERE id = ?", List.of(id), rs -> out.add(lease(rs)));
    return out.stream().findFirst();
  }

  @Override
  public long nextLeaseNumber() {
    // Ids are L- and a zero-padded number; the number, not the text, is compared (L-1000000 > L-999999).
    return scalar("SELECT COALESCE(MAX(CAST(SUBSTR(id, 3) AS BIGINT)), 0) + 1 FROM lease");
  }

  @Override
  public List<ClientRecord> versionClients(String service) {
    List<ClientRecord> out = new ArrayList<>();
    rows(VERSION_CLIENTS, List.of(service), rs -> out.add(new ClientRecord(rs.getString(1), rs.getString(2),
            rs.getString(3), rs.getString(4), rs.getString(5))));
    return out;
  }

  private interface Row {
    void accept(ResultSet rs) throws SQLException;
  }

  private void rows(String sql, List<Object> args, Row row) {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          row.accept(rs);
        }
      }
    } catch (SQLException e) {
      throw new StoreException("query failed: " + e.getMessage(), e);
    }
  }
}
