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
  public record ServiceRow(String name, String spec, String stableSerial) {}

  /** A deployment as projected. */
  public record DeploymentRow(String id, String service, String serial, String fromSerial, String kind, String phase,
      String reason, String phaseSince, boolean abortRequested, String smoke, String startedBy, String startedAt,
      long seq, String environment, boolean breakGlass) {}

  /** An instance as projected. */
  public record InstanceRow(String id, String service, String serial, int port, long pid, String state, String reason) {}

  /** A halt. */
  public record HaltRow(String scope, String reason, String haltedBy) {}

  public List<ServiceRow> services() {
    List<ServiceRow> out = new ArrayList<>();
    rows("SELECT name, spec, stable_serial FROM service ORDER BY name", List.of(),
        rs -> out.add(new ServiceRow(rs.getString(1), rs.getString(2), rs.getString(3))));
    return out;
  }

  public Optional<ServiceRow> service(String name) {
    return services().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  private static final String DEPLOYMENT_COLUMNS = "id, service, serial, from_serial, kind, phase, reason, phase_since,"
      + " abort_requested, smoke, started_by, started_at, updated_seq, environment, break_glass";

  private static DeploymentRow deployment(ResultSet rs) throws SQLException {
    return new DeploymentRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9) != 0, rs.getString(10), rs.getString(11),
        rs.getString(12), rs.getLong(13), rs.getString(14), rs.getInt(15) != 0);
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
