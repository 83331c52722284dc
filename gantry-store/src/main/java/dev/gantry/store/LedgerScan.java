package dev.gantry.store;

import dev.gantry.core.ledger.LedgerEntry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Streams ledger rows with a cursor, so a million entries never sit in memory at once. */
final class LedgerScan {
  private static final int FETCH = 4096;

  private LedgerScan() {}

  static void scan(Database db, String where, List<Object> args, Consumer<LedgerEntry> consumer) {
    try (Connection c = db.readers().getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false); // PostgreSQL streams with a cursor only inside a transaction
      try {
        scan(c, where, args, consumer);
      } finally {
        c.rollback();
        c.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the ledger: " + e.getMessage(), e);
    }
  }

  /** The same on a connection the caller holds in a transaction (a snapshot of the whole audit). */
  static void scan(Connection c, String where, List<Object> args, Consumer<LedgerEntry> consumer) throws SQLException {
    String sql = "SELECT seq, time, actor, type, subject, body, prev_hash, hash FROM ledger_entry " + where
        + (where.contains("ORDER BY") ? "" : " ORDER BY seq");
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setFetchSize(FETCH);
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          consumer.accept(read(rs));
        }
      }
    }
  }

  static LedgerEntry read(ResultSet rs) throws SQLException {
    return new LedgerEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), rs.getString(7), rs.getString(8));
  }

  static List<String> strings(Database db, String sql) {
    try (Connection c = db.readers().getConnection()) {
      return strings(c, sql);
    } catch (SQLException e) {
      throw new StoreException("query failed: " + e.getMessage(), e);
    }
  }

  static List<String> strings(Connection c, String sql) {
    try (PreparedStatement ps = c.prepareStatement(sql);
         ResultSet rs = ps.executeQuery()) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("query failed: " + e.getMessage(), e);
    }
  }
}
