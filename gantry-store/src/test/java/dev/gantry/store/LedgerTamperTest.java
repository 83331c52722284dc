package dev.gantry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.account.AccountCommands;
import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Someone with write access to the database edits it behind Gantry's back (dropping the immutability
 * triggers first, as an attacker with the file would). The audit must fail and name the entry.
 */
class LedgerTamperTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);

  static List<String> engines() {
    return TestDatabases.engines();
  }

  /** Ten entries; a checkpoint after seq 8. */
  private static StoreFixture ledger(String engine) {
    StoreFixture f = StoreFixture.open(engine, CLOCK);
    for (int i = 1; i <= 8; i++) {
      f.store().append("admin", AccountCommands.create("user" + i, AccountKind.HUMAN, Set.of(Role.VIEWER)));
    }
    f.store().signCheckpoint();
    f.store().append("admin", AccountCommands.setRoles("user3", Set.of(Role.APPROVER)));
    f.store().append("admin", AccountCommands.disable("user4", "left", "admin"));
    return f;
  }

  private static void tamper(StoreFixture f, String... sql) throws Exception {
    try (Connection c = f.db().readers().getConnection(); Statement st = c.createStatement()) {
      if (f.db().dialect() == Database.Dialect.SQLITE) {
        st.execute("DROP TRIGGER ledger_entry_no_update");
        st.execute("DROP TRIGGER ledger_entry_no_delete");
      } else {
        st.execute("DROP TRIGGER ledger_entry_no_change ON ledger_entry");
      }
      for (String s : sql) {
        st.execute(s);
      }
    }
  }

  private static Report audit(StoreFixture f) {
    return LedgerAudit.verify(f.db(), f.key());
  }

  @ParameterizedTest
  @MethodSource("engines")
  void untouchedLedgerVerifies(String engine) {
    try (StoreFixture f = ledger(engine)) {
      Report r = audit(f);
      assertThat(r.ok()).as(r.describe()).isTrue();
      assertThat(r.entries()).isEqualTo(10);
      assertThat(r.checkpoints()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void changedBodyIsNamed(String engine) throws Exception {
    try (StoreFixture f = ledger(engine)) {
      tamper(f, "UPDATE ledger_entry SET body = replace(body, 'viewer', 'approver') WHERE seq = 5");
      Report r = audit(f);
      assertThat(r.ok()).isFalse();
      assertThat(r.badSeq()).isEqualTo(5);
      assertThat(r.problem()).contains("altered");
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void deletedEntryIsNamed(String engine) throws Exception {
    try (StoreFixture f = ledger(engine)) {
      tamper(f, "DELETE FROM ledger_entry WHERE seq = 4");
      Report r = audit(f);
      assertThat(r.badSeq()).isEqualTo(4);
      assertThat(r.problem()).contains("missing");
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void swappedEntriesAreNamed(String engine) throws Exception {
    try (StoreFixture f = ledger(engine)) {
      tamper(f, "UPDATE ledger_entry SET seq = -6 WHERE seq = 6", "UPDATE ledger_entry SET seq = 6 WHERE seq = 7",
          "UPDATE ledger_entry SET seq = 7 WHERE seq = -6");
      Report r = audit(f);
      assertThat(r.badSeq()).isEqualTo(6);
      assertThat(r.problem()).contains("prev hash");
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void tailTruncatedBelowACheckpointIsNamed(String engine) throws Exception {
    try (StoreFixture f = ledger(engine)) {
      // Cut everything after seq 6, and make the head row agree, as a careful attacker would.
      tamper(f, "DELETE FROM ledger_entry WHERE seq > 6",
          "UPDATE ledger_head SET size = 6, hash = (SELECT hash FROM ledger_entry WHERE seq = 6)");
      Report r = audit(f);
      assertThat(r.badSeq()).isEqualTo(7);
      assertThat(r.problem()).contains("truncated");
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void tailTruncatedAfterTheLastCheckpointIsCaughtByTheHead(String engine) throws Exception {
    try (StoreFixture f = ledger(engine)) {
      tamper(f, "DELETE FROM ledger_entry WHERE seq = 10");
      Report r = audit(f);
      assertThat(r.badSeq()).isEqualTo(10);
      assertThat(r.problem()).contains("removed");
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void editedProjectionRowIsNamedByTheEntryThatWroteIt(String engine) throws Exception {
    try (StoreFixture f = ledger(engine)) {
      tamper(f, "UPDATE account SET roles = 'admin,deployer' WHERE name = 'user3'");
      Report r = audit(f);
      assertThat(r.badSeq()).isEqualTo(9);
      assertThat(r.problem()).contains("account").contains("user3").contains("roles");
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void insertedProjectionRowIsCaught(String engine) throws Exception {
    try (StoreFixture f = ledger(engine)) {
      tamper(f, "INSERT INTO account (name, kind, roles, disabled, created_at, updated_seq)"
          + " VALUES ('mallory', 'human', 'approver', 0, '2026-11-26T10:00:00.000Z', 3)");
      Report r = audit(f);
      assertThat(r.ok()).isFalse();
      assertThat(r.problem()).contains("mallory").contains("no ledger entry created");
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void historyRewrittenWithRecomputedHashesIsCaughtByTheSignedCheckpoint(String engine) throws Exception {
    try (StoreFixture f = ledger(engine)) {
      // Rewrite entry 2 and recompute every hash after it: the chain is consistent again, the checkpoint is not.
      List<dev.gantry.core.ledger.LedgerEntry> entries = new java.util.ArrayList<>();
      f.store().scan(1, 10, entries::add);
      String prev = entries.get(0).hash();
      List<String> sql = new java.util.ArrayList<>();
      sql.add("DELETE FROM ledger_entry WHERE seq >= 2");
      for (int i = 1; i < entries.size(); i++) {
        var e = entries.get(i);
        String body = i == 1 ? e.bodyJson().replace("viewer", "approver") : e.bodyJson();
        String canonical = dev.gantry.core.ledger.LedgerEntry.canonical(e.seq(), e.time(), e.actor(), e.type(),
            e.subject(), body, prev);
        String hash = dev.gantry.core.merkle.Sha256.hex(dev.gantry.core.merkle.Sha256.hash(
            canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        sql.add("INSERT INTO ledger_entry VALUES (" + e.seq() + ", '" + e.time() + "', '" + e.actor() + "', '"
            + e.type() + "', '" + e.subject() + "', '" + body + "', '" + prev + "', '" + hash + "')");
        prev = hash;
      }
      sql.add("UPDATE ledger_head SET hash = '" + prev + "'");
      sql.add("UPDATE account SET roles = 'approver' WHERE name = 'user2'");
      tamper(f, sql.toArray(String[]::new));
      Report r = audit(f);
      assertThat(r.ok()).isFalse();
      assertThat(r.problem()).contains("signed checkpoint");
      assertThat(r.badSeq()).isEqualTo(1); // somewhere in 1..8, the span the checkpoint covers
    }
  }
}
