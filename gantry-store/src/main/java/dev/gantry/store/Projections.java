package dev.gantry.store;

import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.core.ledger.LedgerStore.TokenRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Read-side queries on the projection tables (outside any append). */
public final class Projections {
  private final Database db;

  public Projections(Database db) {
    this.db = db;
  }

  /** A token with the account it belongs to, for authentication. */
  public record Credential(TokenRecord token, AccountRecord account) {}

  public Optional<Credential> credentialByHash(String sha256) {
    String sql = "SELECT t.id, t.account, t.sha256, t.expires_at, t.revoked, t.created_at, t.description,"
        + " a.name, a.kind, a.roles, a.disabled, a.created_at"
        + " FROM token t JOIN account a ON a.name = t.account WHERE t.sha256 = ?";
    try (Connection c = db.readers().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, sha256);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        TokenRecord t = JdbcStateView.token(rs);
        String roles = rs.getString(10);
        AccountRecord a = new AccountRecord(rs.getString(8), rs.getString(9),
            roles.isEmpty() ? List.of() : List.of(roles.split(",")), rs.getInt(11) != 0, rs.getString(12));
        return Optional.of(new Credential(t, a));
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read tokens: " + e.getMessage(), e);
    }
  }

  public List<AccountRecord> accounts() {
    List<AccountRecord> out = new ArrayList<>();
    query("SELECT name, kind, roles, disabled, created_at FROM account ORDER BY name", null,
        rs -> out.add(JdbcStateView.account(rs)));
    return out;
  }

  public Optional<AccountRecord> account(String name) {
    try (Connection c = db.readers().getConnection()) {
      return new JdbcStateView(c).account(name);
    } catch (SQLException e) {
      throw new StoreException(e.getMessage(), e);
    }
  }

  public Optional<TokenRecord> token(String id) {
    try (Connection c = db.readers().getConnection()) {
      return new JdbcStateView(c).token(id);
    } catch (SQLException e) {
      throw new StoreException(e.getMessage(), e);
    }
  }

  /** Tokens of one account, or of all when account is null; never the secrets. */
  public List<TokenRecord> tokens(String account) {
    List<TokenRecord> out = new ArrayList<>();
    String sql = "SELECT id, account, sha256, expires_at, revoked, created_at, description FROM token"
        + (account == null ? "" : " WHERE account = ?") + " ORDER BY created_at, id";
    query(sql, account, rs -> out.add(JdbcStateView.token(rs)));
    return out;
  }

  private interface RowHandler {
    void row(ResultSet rs) throws SQLException;
  }

  private void query(String sql, String arg, RowHandler h) {
    try (Connection c = db.readers().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      if (arg != null) {
        ps.setString(1, arg);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          h.row(rs);
        }
      }
    } catch (SQLException e) {
      throw new StoreException("query failed: " + e.getMessage(), e);
    }
  }
}
