package dev.gantry.store;

import dev.gantry.core.ledger.LedgerStore.ApprovalRecord;
import dev.gantry.core.ledger.LedgerStore.EnvironmentRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Read-side queries about environments and approvals (the append-side reads are in the StateView). */
public final class PolicyQueries {
  private final Database db;

  public PolicyQueries(Database db) {
    this.db = db;
  }

  public List<EnvironmentRecord> environments() {
    List<EnvironmentRecord> out = new ArrayList<>();
    try (Connection c = db.readers().getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT name, definition, applied_by, applied_at FROM environment ORDER BY name");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new EnvironmentRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
      }
    } catch (SQLException e) {
      throw new StoreException("query failed: " + e.getMessage(), e);
    }
    return out;
  }

  /** Every approval and rejection of an artifact, any environment, oldest first. */
  public List<ApprovalRecord> approvals(String serial) {
    List<ApprovalRecord> out = new ArrayList<>();
    try (Connection c = db.readers().getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT id, service, serial, digest, environment, account, decision, comment, decided_at FROM approval"
            + " WHERE serial = ? ORDER BY updated_seq")) {
      ps.setString(1, serial);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new ApprovalRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)));
        }
      }
    } catch (SQLException e) {
      throw new StoreException("query failed: " + e.getMessage(), e);
    }
    return out;
  }
}
