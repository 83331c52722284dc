package dev.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.account.AccountCommands;
import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.store.DataDirectory;
import dev.gantry.store.Database;
import dev.gantry.store.JdbcLedgerStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code gantry audit verify --data DIR} against a real SQLite file that is edited behind Gantry's back:
 * the command exits 1 and names the entry; an untouched ledger exits 0.
 */
class AuditVerifyDataDirTest {
  Path dir;

  @BeforeEach
  void ledger() throws Exception {
    dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "cli-verify-");
    DataDirectory data = new DataDirectory(dir);
    try (Database db = Database.sqlite(data.database()).migrate();
         JdbcLedgerStore store = new JdbcLedgerStore(db, Clock.systemUTC(), data.signingKey("gantry.test/cli"))) {
      for (int i = 1; i <= 8; i++) {
        store.append("admin", AccountCommands.create("user" + i, AccountKind.HUMAN, Set.of(Role.VIEWER)));
      }
      store.signCheckpoint();
      store.append("admin", AccountCommands.setRoles("user2", Set.of(Role.AUDITOR)));
    }
  }

  private void tamper(String... sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("gantry.db"));
         Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER ledger_entry_no_update");
      st.execute("DROP TRIGGER ledger_entry_no_delete");
      for (String s : sql) {
        st.execute(s);
      }
    }
  }

  private CliRun verify() {
    return CliRun.of("audit", "verify", "--data", dir.toString());
  }

  @Test
  void untouchedLedgerVerifies() {
    CliRun r = verify();
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("ok: 9 entries");
  }

  @Test
  void editedBodyFailsNamingTheEntry() throws Exception {
    tamper("UPDATE ledger_entry SET body = replace(body, 'user5', 'mallory') WHERE seq = 5");
    CliRun r = verify();
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("FAILED at seq 5");
  }

  @Test
  void deletedEntryFailsNamingTheEntry() throws Exception {
    tamper("DELETE FROM ledger_entry WHERE seq = 3");
    CliRun r = verify();
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("FAILED at seq 3").contains("missing");
  }

  @Test
  void swappedEntriesFailNamingTheFirst() throws Exception {
    tamper("UPDATE ledger_entry SET seq = -1 WHERE seq = 4", "UPDATE ledger_entry SET seq = 4 WHERE seq = 5",
        "UPDATE ledger_entry SET seq = 5 WHERE seq = -1");
    CliRun r = verify();
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("FAILED at seq 4");
  }

  @Test
  void truncatedTailAfterACheckpointFailsNamingTheFirstMissingEntry() throws Exception {
    tamper("DELETE FROM ledger_entry WHERE seq > 5",
        "UPDATE ledger_head SET size = 5, hash = (SELECT hash FROM ledger_entry WHERE seq = 5)");
    CliRun r = verify();
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("FAILED at seq 6").contains("truncated");
  }

  @Test
  void editedProjectionRowFailsNamingTheEntryThatWroteIt() throws Exception {
    tamper("UPDATE account SET roles = 'approver' WHERE name = 'user2'");
    CliRun r = verify();
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("FAILED at seq 9").contains("user2");
  }

  @Test
  void missingLedgerIsAOneLineError() {
    CliRun r = CliRun.of("audit", "verify", "--data", dir.resolve("nowhere").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip()).startsWith("gantry: no ledger at").doesNotContain("\n");
  }

  @Test
  void unknownOptionIsAUsageError() {
    CliRun r = CliRun.of("audit", "verify", "--bogus");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option");
  }
}
