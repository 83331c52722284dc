package dev.gantry.store;

import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.core.ledger.LedgerStore.StateView;
import dev.gantry.core.ledger.LedgerStore.TokenRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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

  static TokenRecord token(ResultSet rs) throws SQLException {
    return new TokenRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5) != 0,
        rs.getString(6), rs.getString(7));
  }
}
