package dev.gantry.store;

import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.RequestRefused;
import dev.gantry.core.ledger.LedgerEvent.AccountCreated;
import dev.gantry.core.ledger.LedgerEvent.AccountDisabled;
import dev.gantry.core.ledger.LedgerEvent.AccountRolesSet;
import dev.gantry.core.ledger.LedgerEvent.InstallationInitialized;
import dev.gantry.core.ledger.LedgerEvent.TokenCreated;
import dev.gantry.core.ledger.LedgerEvent.TokenRevoked;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Applies one event to the projection tables: one {@code case} per event type, as Nomad's FSM does.
 * The same code runs on the live database (inside the append transaction) and on an empty database
 * during replay, so "replay equals live" tests exactly this code. SQL here is portable between SQLite
 * and PostgreSQL.
 */
final class Projector {

  /** Projection tables with their primary key, in the order the audit compares them. */
  static final List<Table> TABLES = List.of(new Table("account", "name"), new Table("token", "id"));

  record Table(String name, String key) {}

  private Projector() {}

  static void apply(Connection c, LedgerEntry entry, LedgerEvent event) throws SQLException {
    long seq = entry.seq();
    switch (event) {
      case InstallationInitialized e -> {
        // Nothing to project: the origin and key live in the data directory and in this entry.
      }
      case AccountCreated e -> update(c,
          "INSERT INTO account (name, kind, roles, disabled, created_at, updated_seq) VALUES (?, ?, ?, 0, ?, ?)",
          e.name(), e.kind().wire(), roles(e.roles()), entry.time(), seq);
      case AccountRolesSet e -> expectOne(e.name(), update(c,
          "UPDATE account SET roles = ?, updated_seq = ? WHERE name = ?", roles(e.roles()), seq, e.name()));
      case AccountDisabled e -> expectOne(e.name(), update(c,
          "UPDATE account SET disabled = 1, updated_seq = ? WHERE name = ?", seq, e.name()));
      case TokenCreated e -> update(c,
          "INSERT INTO token (id, account, sha256, expires_at, revoked, created_at, description, updated_seq)"
              + " VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
          e.id(), e.account(), e.sha256(), e.expiresAt(), entry.time(), e.description(), seq);
      case TokenRevoked e -> expectOne(e.id(), update(c,
          "UPDATE token SET revoked = 1, updated_seq = ? WHERE id = ?", seq, e.id()));
      case RequestRefused e -> {
        // Refusals are kept in the ledger only; there is no current state to update.
      }
    }
  }

  /** Roles as stored: sorted wire names joined by commas. */
  static String roles(Set<Role> roles) {
    return roles.stream().map(Role::wire).sorted().collect(Collectors.joining(","));
  }

  private static void expectOne(String key, int rows) {
    if (rows != 1) {
      throw new IllegalStateException("projection has no row for '" + key + "'");
    }
  }

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        if (args[i] == null) {
          ps.setNull(i + 1, java.sql.Types.VARCHAR); // only text columns are nullable
        } else {
          ps.setObject(i + 1, args[i]);
        }
      }
      return ps.executeUpdate();
    }
  }
}
