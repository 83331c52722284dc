package dev.gantry.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Read-side queries about services, deployments, instances and halts. */
public final class DeployQueries {
  private final Database db;

  public DeployQueries(Database db) {
    this.db = db;
  }

  /** A service as projected. */
  public record ServiceRow(String name, String spec, String stableSerial, String pinned) {}

  /** A version of a service as projected; state is running or retired. */
  public record VersionRow(String service, String label, String serial, String state, boolean sideBySide,
      String addedAt, String deprecatedAt, String retiredAt, String reason, String successor) {}

  /** A lease on a version. */
  public record LeaseRow(String id, String service, String label, String client, String expiresAt, boolean released,
      String acquiredBy, String acquiredAt) {}

  /** A client seen calling a version. */
  /**
   * A client of a version as flushed to the ledger: last seen by any address, and last seen addressing the version
   * by version ({@code explicitLastSeen}, null: never), what keeps a version that is not the default.
   */
  public record ClientRow(String service, String label, String client, String lastSeen, String explicitLastSeen) {}

  /** A deployment as projected; the canary fields keep their defaults for a blue-green one. */
  public record DeploymentRow(String id, String service, String serial, String fromSerial, String kind, String phase,
      String reason, String phaseSince, boolean abortRequested, String smoke, String startedBy, String startedAt,
      long seq, String environment, boolean breakGlass, Canary canary) {}

  /**
   * A canary's progress.
   *
   * @param step -1 before the canary phase
   * @param verdict the background analysis' last verdict (null before the first run)
   * @param stepVerdict the current analysis step's last verdict (null before its first run)
   */
  public record Canary(String strategy, int step, int weight, String stepSince, String promote, String pausedReason,
      String verdict, String verdictSummary, String stepVerdict, String stepSummary, String inconclusiveSince,
      int testedRuns, int passedWeight, int errorTestedRuns, int latencyTestedRuns) {}

  /** One recorded analysis run. */
  public record AnalysisRow(String deployment, long run, String kind, String verdict, boolean tested, String summary,
      String metrics, String recordedAt) {}

  /** An instance as projected. */
  public record InstanceRow(String id, String service, String serial, int port, long pid, String state, String reason) {}

  /** A halt. */
  public record HaltRow(String scope, String reason, String haltedBy) {}

  public List<ServiceRow> services() {
    List<ServiceRow> out = new ArrayList<>();
    rows("SELECT name, spec, stable_serial, pinned FROM service ORDER BY name", List.of(),
        rs -> out.add(new ServiceRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4))));
    return out;
  }

  public Optional<ServiceRow> service(String name) {
    List<ServiceRow> out = new ArrayList<>();
    rows("SELECT name, spec, stable_serial, pinned FROM service WHERE name = ?", List.of(name),
        rs -> out.add(new ServiceRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4))));
    return out.stream().findFirst();
  }

  private static final String VERSION_COLUMNS = "service, label, serial, state, side_by_side, added_at, deprecated_at,"
      + " retired_at, reason, successor";

  private static VersionRow version(ResultSet rs) throws SQLException {
    return new VersionRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5) != 0,
        rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10));
  }

  /** A service's versions, newest first (by label number). */
  public List<VersionRow> versions(String service) {
    List<VersionRow> out = new ArrayList<>();
    rows("SELECT " + VERSION_COLUMNS + " FROM service_version WHERE service = ?", List.of(service),
        rs -> out.add(version(rs)));
    out.sort(java.util.Comparator.comparingLong((VersionRow v) -> Long.parseLong(v.label().substring(1))).reversed());
    return out;
  }

  public List<LeaseRow> leases(String service) {
    List<LeaseRow> out = new ArrayList<>();
    rows("SELECT " + JdbcStateView.LEASE_COLUMNS + " FROM lease"
        + " WHERE service = ? ORDER BY id", List.of(service), rs -> out.add(lease(rs)));
    return out;
  }

  public Optional<LeaseRow> lease(String id) {
    List<LeaseRow> out = new ArrayList<>();
    rows("SELECT " + JdbcStateView.LEASE_COLUMNS + " FROM lease WHERE id = ?",
        List.of(id), rs -> out.add(lease(rs)));
    return out.stream().findFirst();
  }

  private static LeaseRow lease(ResultSet rs) throws SQLException {
    return new LeaseRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getInt(6) != 0, rs.getString(7), rs.getString(8));
  }

  public List<ClientRow> versionClients(String service) {
    List<ClientRow> out = new ArrayList<>();
    rows(JdbcStateView.VERSION_CLIENTS, List.of(service), rs -> out.add(new ClientRow(rs.getString(1), rs.getString(2),
            rs.getString(3), rs.getString(4), rs.getString(5))));
    return out;
  }

  /** The version directory of every service at once: versions, leases and clients (three queries). */
  public record Directory(List<VersionRow> versions, List<LeaseRow> leases, List<ClientRow> clients) {}

  public Directory directory() {
    List<VersionRow> versions = new ArrayList<>();
    rows("SELECT " + VERSION_COLUMNS + " FROM service_version WHERE state = 'running' ORDER BY service, label",
        List.of(), rs -> versions.add(version(rs)));
    List<LeaseRow> leases = new ArrayList<>();
    rows("SELECT " + JdbcStateView.LEASE_COLUMNS + " FROM lease"
        + " WHERE released = 0 ORDER BY service, label", List.of(), rs -> leases.add(lease(rs)));
    List<ClientRow> clients = new ArrayList<>();
    rows("SELECT service, label, client, last_seen, explicit_last_seen FROM version_client ORDER BY service, label",
        List.of(), rs -> clients.add(new ClientRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getString(5))));
    return new Directory(versions, leases, clients);
  }

  /** The label an artifact has among its service's builds: v + its place in registration order. */
  public String versionLabel(String service, String serial) {
    long[] n = new long[1];
    rows("SELECT COUNT(*) FROM artifact WHERE service = ? AND number <= (SELECT number FROM artifact WHERE serial = ?)",
        List.of(service, serial), rs -> n[0] = rs.getLong(1));
    if (n[0] == 0) {
      throw new StoreException("no artifact " + serial + " of service " + service, null);
    }
    return "v" + n[0];
  }

  private static final String DEPLOYMENT_COLUMNS = "id, service, serial, from_serial, kind, phase, reason, phase_since,"
      + " abort_requested, smoke, started_by, started_at, updated_seq, environment, break_glass, strategy, step, weight,"
      + " step_since, promote, paused_reason, verdict, verdict_summary, step_verdict, step_summary, inconclusive_since,"
      + " tested_runs, passed_weight, error_tested_runs, latency_tested_runs";

  private static DeploymentRow deployment(ResultSet rs) throws SQLException {
    return new DeploymentRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9) != 0, rs.getString(10), rs.getString(11),
        rs.getString(12), rs.getLong(13), rs.getString(14), rs.getInt(15) != 0, new Canary(rs.getString(16),
        rs.getInt(17), rs.getInt(18), rs.getString(19), rs.getString(20), rs.getString(21), rs.getString(22),
        rs.getString(23), rs.getString(24), rs.getString(25), rs.getString(26), rs.getInt(27), rs.getInt(28), rs.getInt(29),
        rs.getInt(30)));
  }

  /** The service's deployments, newest first. */
  public List<DeploymentRow> deployments(String service, int limit) {
    List<DeploymentRow> out = new ArrayList<>();
    rows("SELECT " + DEPLOYMENT_COLUMNS + " FROM deployment WHERE service = ? ORDER BY started_at DESC, id DESC LIMIT "
        + Math.max(1, limit), List.of(service), rs -> out.add(deployment(rs)));
    return out;
  }

  public Optional<DeploymentRow> latestDeployment(String service) {
    return deployments(service, 1).stream().findFirst();
  }

  public Optional<DeploymentRow> deployment(String id) {
    List<DeploymentRow> out = new ArrayList<>();
    rows("SELECT " + DEPLOYMENT_COLUMNS + " FROM deployment WHERE id = ?", List.of(id), rs -> out.add(deployment(rs)));
    return out.stream().findFirst();
  }

  /** A deployment's analysis runs, newest first. */
  public List<AnalysisRow> analysisRuns(String deployment, int limit) {
    List<AnalysisRow> out = new ArrayList<>();
    rows("SELECT deployment, run, kind, verdict, tested, summary, metrics, recorded_at FROM analysis_run"
        + " WHERE deployment = ? ORDER BY run DESC LIMIT " + Math.max(1, limit), List.of(deployment),
        rs -> out.add(new AnalysisRow(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
            rs.getInt(5) != 0, rs.getString(6), rs.getString(7), rs.getString(8))));
    return out;
  }

  /** How many analysis runs a deployment has (the next run's number is one more). */
  public long analysisCount(String deployment) {
    long[] n = new long[1];
    rows("SELECT COUNT(*) FROM analysis_run WHERE deployment = ?", List.of(deployment), rs -> n[0] = rs.getLong(1));
    return n[0];
  }

  /** Instances of a service that are not stopped. */
  public List<InstanceRow> liveInstances(String service) {
    List<InstanceRow> out = new ArrayList<>();
    rows("SELECT id, service, serial, port, pid, state, reason FROM instance WHERE service = ? AND state <> 'STOPPED'"
        + " ORDER BY id", List.of(service), rs -> out.add(new InstanceRow(rs.getString(1), rs.getString(2),
        rs.getString(3), rs.getInt(4), rs.getLong(5), rs.getString(6), rs.getString(7))));
    return out;
  }

  /** Running instances of an artifact, any service. */
  public List<InstanceRow> instancesOf(String serial) {
    List<InstanceRow> out = new ArrayList<>();
    rows("SELECT id, service, serial, port, pid, state, reason FROM instance WHERE serial = ? AND state = 'RUNNING'"
        + " ORDER BY id", List.of(serial), rs -> out.add(new InstanceRow(rs.getString(1), rs.getString(2),
        rs.getString(3), rs.getInt(4), rs.getLong(5), rs.getString(6), rs.getString(7))));
    return out;
  }

  /** The running instance at a loopback port, if any. */
  public Optional<InstanceRow> instanceAtPort(int port) {
    List<InstanceRow> out = new ArrayList<>();
    rows("SELECT id, service, serial, port, pid, state, reason FROM instance WHERE port = ? AND state = 'RUNNING'",
        List.of(port), rs -> out.add(new InstanceRow(rs.getString(1), rs.getString(2), rs.getString(3),
        rs.getInt(4), rs.getLong(5), rs.getString(6), rs.getString(7))));
    return out.stream().findFirst();
  }

  /** Deployments that brought an artifact in, newest first. */
  public List<DeploymentRow> deploymentsOf(String serial) {
    List<DeploymentRow> out = new ArrayList<>();
    rows("SELECT " + DEPLOYMENT_COLUMNS + " FROM deployment WHERE serial = ? ORDER BY started_at DESC, id DESC",
        List.of(serial), rs -> out.add(deployment(rs)));
    return out;
  }

  /** Every instance id ever used by a service (for numbering new ones). */
  public List<String> instanceIds(String service) {
    List<String> out = new ArrayList<>();
    rows("SELECT id FROM instance WHERE service = ?", List.of(service), rs -> out.add(rs.getString(1)));
    return out;
  }

  public List<HaltRow> halts() {
    List<HaltRow> out = new ArrayList<>();
    rows("SELECT scope, reason, halted_by FROM halt ORDER BY scope", List.of(),
        rs -> out.add(new HaltRow(rs.getString(1), rs.getString(2), rs.getString(3))));
    return out;
  }

  private interface Row {
    void accept(ResultSet rs) throws SQLException;
  }

  private void rows(String sql, List<Object> args, Row row) {
    try (Connection c = db.readers().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
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
