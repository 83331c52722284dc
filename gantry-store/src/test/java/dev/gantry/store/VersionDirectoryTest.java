package dev.gantry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.ClientsSeen;
import dev.gantry.core.ledger.LedgerEvent.LeaseAcquired;
import dev.gantry.core.ledger.LedgerEvent.LeaseReleased;
import dev.gantry.core.ledger.LedgerEvent.VersionAdded;
import dev.gantry.core.ledger.LedgerEvent.VersionRetired;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The directory of 1,000 services × 5 versions, built through the ledger, against a model kept beside it:
 * every running version once, with its clients, last-seen time and live leases; retired ones absent.
 */
class VersionDirectoryTest {
  static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  @Test
  void directoryOfAThousandServicesWithFiveVersionsEachIsExact() {
    long seed = Long.getLong("gantry.seed", 20261207L); // -Dgantry.seed=N replays a failure
    Random rnd = new Random(seed);
    try (StoreFixture f = StoreFixture.open("sqlite", Clock.fixed(NOW, ZoneOffset.UTC))) {
      Map<String, long[]> expected = new HashMap<>(); // service@label → {clients, leases}
      int leaseNo = 0;
      for (int s = 0; s < 1000; s++) {
        String service = "svc-" + s;
        List<LedgerEvent> events = new ArrayList<>();
        for (int v = 1; v <= 5; v++) {
          events.add(new VersionAdded(service, "v" + v, "A-" + (s * 5 + v), true));
          expected.put(service + "@v" + v, new long[2]);
        }
        for (int v = 1; v <= 5; v++) {
          int clients = rnd.nextInt(4);
          Map<String, String> seen = new HashMap<>();
          for (int c = 0; c < clients; c++) {
            seen.put("client-" + c, NOW.minusSeconds(rnd.nextInt(86_400)).toString());
          }
          if (!seen.isEmpty()) {
            events.add(new ClientsSeen(service, "v" + v, seen));
          }
          expected.get(service + "@v" + v)[0] = clients;
          if (rnd.nextInt(4) == 0) {
            String id = String.format("L-%06d", ++leaseNo);
            boolean expired = rnd.nextBoolean();
            events.add(new LeaseAcquired(id, service, "v" + v, "batch", (expired ? NOW.minusSeconds(60)
                : NOW.plusSeconds(86_400)).toString()));
            boolean released = rnd.nextInt(5) == 0;
            if (released) {
              events.add(new LeaseReleased(id, service));
            }
            if (!expired && !released) {
              expected.get(service + "@v" + v)[1]++;
            }
          }
        }
        if (rnd.nextInt(3) == 0) {
          events.add(new VersionRetired(service, "v1", "A-" + (s * 5 + 1), "quiet", "v5"));
          expected.remove(service + "@v1");
        }
        f.store().append("system", state -> events);
      }
      List<Map<String, Object>> rows = VersionDirectory.build(new DeployQueries(f.db()), NOW);
      assertThat(rows).as("seed %d", seed).hasSize(expected.size());
      for (Map<String, Object> r : rows) {
        long[] e = expected.get(r.get("service") + "@" + r.get("version"));
        assertThat(e).as("seed %d: %s", seed, r).isNotNull();
        assertThat(r.get("clients")).as("seed %d: %s", seed, r).isEqualTo(e[0]);
        assertThat(r.get("liveLeases")).as("seed %d: %s", seed, r).isEqualTo(e[1]);
      }
    }
  }

  @Test
  void onlyARunningVersionRetiresAndTheFirstRetirementStandsOnReplay() {
    try (StoreFixture f = StoreFixture.open("sqlite", Clock.fixed(NOW, ZoneOffset.UTC))) {
      f.store().append("system", st -> List.of(new VersionAdded("pricing", "v1", "A-000001", false),
          new VersionAdded("pricing", "v2", "A-000002", true)));
      f.store().append("system", st -> List.of(new VersionRetired("pricing", "v1", "A-000001", "quiet", "v2",
          new VersionRetired.Evidence("risk-batch", NOW.minusSeconds(60).toString(),
              List.of(new VersionRetired.LeaseEvidence("L-000001", "month-end", NOW.toString(), true))))));
      // A second retirement, as two racing writers could append before retirements were decided in the append.
      f.store().append("olga", st -> List.of(new VersionRetired("pricing", "v1", "A-000001", "again", "v9")));
      DeployQueries.VersionRow v1 = new DeployQueries(f.db()).versions("pricing").stream()
          .filter(v -> v.label().equals("v1")).findFirst().orElseThrow();
      assertThat(v1.reason()).isEqualTo("quiet");
      assertThat(v1.successor()).isEqualTo("v2");
      assertThat(LedgerAudit.verify(f.db(), f.key()).ok()).as("replay equals the live rows").isTrue();
      // The evidence fields read back; an entry without them reads as before.
      List<VersionRetired> read = new java.util.ArrayList<>();
      f.store().scan(1, f.store().head().size(), e -> {
        if (e.event() instanceof VersionRetired r) {
          read.add(r);
        }
      });
      assertThat(read.get(0).evidence().lastClient()).isEqualTo("risk-batch");
      assertThat(read.get(0).evidence().leases()).singleElement().satisfies(l -> assertThat(l.released()).isTrue());
      assertThat(read.get(1).evidence()).isNull();
      assertThat(read.get(1).body()).doesNotContainKey("evidence");
    }
  }
}
