package dev.gantry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.ClientsSeen;
import dev.gantry.core.ledger.LedgerStore.ClientRecord;
import dev.gantry.store.DeployQueries.ClientRow;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * version.clients-seen with and without explicitLastSeen (entries written before clients by version were told
 * apart from the default address's): what the projection keeps, equal to the ledger's replay on both engines.
 */
class VersionClientProjectionTest {
  static final String T1 = "2026-12-01T10:00:00Z";
  static final String T2 = "2026-12-02T10:00:00Z";
  static final String T3 = "2026-12-03T10:00:00Z";

  static List<String> engines() {
    return TestDatabases.engines();
  }

  @ParameterizedTest
  @MethodSource("engines")
  void explicitLastSeenIsKeptPerClientAndOldEntriesCountAsExplicit(String engine) throws Exception {
    try (StoreFixture f = StoreFixture.open(engine, Clock.fixed(Instant.parse(T3), ZoneOffset.UTC))) {
      List<LedgerEvent> written = List.of(
          new ClientsSeen("pricing", "v1", Map.of("desk", T1)), // as written before: no explicitLastSeen
          new ClientsSeen("pricing", "v1", Map.of("desk", T2, "risk-batch", T2), Map.of("risk-batch", T2)),
          new ClientsSeen("pricing", "v1", Map.of("risk-batch", T3, "anonymous", T3), Map.of()));
      written.forEach(e -> f.store().append("system", st -> List.of(e)));

      assertThat(new DeployQueries(f.db()).versionClients("pricing")).containsExactly(
          new ClientRow("pricing", "v1", "anonymous", T3, null),
          new ClientRow("pricing", "v1", "desk", T2, T1), // by version as far as the old entry says; not since
          new ClientRow("pricing", "v1", "risk-batch", T3, T2)); // by version on day 2, by the default address on 3
      List<ClientRecord> records = f.store().stateView(st -> st.versionClients("pricing"));
      assertThat(records).extracting(ClientRecord::explicitLastSeen).containsExactly(null, T1, T2);

      List<LedgerEvent> read = new ArrayList<>();
      f.store().scan(1, f.store().head().size(), e -> read.add(e.event()));
      assertThat(read).as("read back as written; the old one without the member").isEqualTo(written);
      assertThat(written.getFirst().body()).doesNotContainKey("explicitLastSeen");
      assertThat(written.get(2).body()).containsEntry("explicitLastSeen", new java.util.TreeMap<>());
      assertThat(LedgerAudit.verify(f.db(), f.key()).ok()).as("the rows equal the ledger's replay").isTrue();

      // The column is part of the comparison: a row that says otherwise than the ledger is found.
      try (java.sql.Connection c = f.db().readers().getConnection(); java.sql.Statement st = c.createStatement()) {
        st.execute("UPDATE version_client SET explicit_last_seen = NULL WHERE client = 'desk'");
      }
      assertThat(LedgerAudit.verify(f.db(), f.key()).ok()).isFalse();
    }
  }
}
