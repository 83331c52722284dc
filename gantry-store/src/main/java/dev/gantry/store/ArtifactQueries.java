package dev.gantry.store;

import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Read-side queries about artifacts, their commits, requirements, components and test evidence. */
public final class ArtifactQueries {
  private final Database db;

  public ArtifactQueries(Database db) {
    this.db = db;
  }

  /** By serial, as-built digest or stamped digest. */
  public Optional<ArtifactRecord> find(String ref) {
    List<ArtifactRecord> l = artifacts("WHERE serial = ? OR digest = ? OR stamped_digest = ? ORDER BY number DESC",
        ref, ref, ref);
    return l.stream().findFirst();
  }

  public List<ArtifactRecord> byService(String service) {
    return service == null ? artifacts("ORDER BY number DESC") : artifacts("WHERE service = ? ORDER BY number DESC", service);
  }

  public Optional<ArtifactRecord> latest(String service) {
    return artifacts("WHERE service = ? ORDER BY number DESC LIMIT 1", service).stream().findFirst();
  }

  private List<ArtifactRecord> artifacts(String where, Object... args) {
    List<ArtifactRecord> out = new ArrayList<>();
    rows("SELECT " + JdbcStateView.ARTIFACT_COLUMNS + " FROM artifact " + where, args,
        rs -> out.add(JdbcStateView.artifact(rs)));
    return out;
  }

  public List<Map<String, Object>> commits(String serial) {
    return maps("SELECT commit_id AS id, author, time, message, requirements FROM artifact_commit WHERE serial = ?"
        + " ORDER BY time, commit_id", serial);
  }

  public List<Map<String, Object>> components(String serial) {
    return maps("SELECT ref, name, version, purl, hashes FROM sbom_component WHERE serial = ? ORDER BY name, ref",
        serial);
  }

  public List<Map<String, Object>> testRuns(String serial) {
    return maps("SELECT suite, run, tests, failures, errors, skipped, recorded_by AS \"recordedBy\","
        + " recorded_at AS \"recordedAt\", updated_seq AS seq FROM test_run WHERE serial = ? ORDER BY suite, run", serial);
  }

  public List<Map<String, Object>> testCases(String serial, String suite, long run) {
    return maps("SELECT test, status, time_ms AS \"timeMs\", message FROM test_case WHERE serial = ? AND suite = ?"
        + " AND run = ? ORDER BY test", serial, suite, run);
  }

  /** A test's outcome in every artifact that has evidence for it, newest artifact first. */
  public List<Map<String, Object>> testHistory(String test) {
    return maps("SELECT a.serial, a.service, t.suite, t.run, t.status, t.time_ms AS \"timeMs\", t.message"
        + " FROM test_case t JOIN artifact a ON a.serial = t.serial WHERE t.test = ?"
        + " ORDER BY a.number DESC, t.suite, t.run DESC", test);
  }

  public List<Map<String, Object>> requirement(String id) {
    return maps("SELECT r.serial, r.commit_id AS \"commit\", a.service, a.stamped_digest AS \"stampedDigest\","
        + " c.message, c.author FROM requirement_link r JOIN artifact a ON a.serial = r.serial"
        + " JOIN artifact_commit c ON c.serial = r.serial AND c.commit_id = r.commit_id"
        + " WHERE r.requirement = ? ORDER BY a.number, r.commit_id", id);
  }

  /** Ledger entries about one subject (sequence numbers and types), for the trace. */
  public List<Map<String, Object>> ledgerEntries(String subject) {
    return maps("SELECT seq, type, actor, time FROM ledger_entry WHERE subject = ? ORDER BY seq", subject);
  }

  private interface Row {
    void accept(ResultSet rs) throws SQLException;
  }

  private void rows(String sql, Object[] args, Row row) {
    try (Connection c = db.readers().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
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

  private List<Map<String, Object>> maps(String sql, Object... args) {
    List<Map<String, Object>> out = new ArrayList<>();
    rows(sql, args, rs -> {
      var md = rs.getMetaData();
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        Object v = rs.getObject(i);
        if (v instanceof Integer n) {
          v = n.longValue();
        }
        m.put(md.getColumnLabel(i), v);
      }
      out.add(m);
    });
    return out;
  }
}
