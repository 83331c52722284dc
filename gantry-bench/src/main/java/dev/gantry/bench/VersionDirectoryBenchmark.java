package dev.gantry.bench;

import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.ClientsSeen;
import dev.gantry.core.ledger.LedgerEvent.LeaseAcquired;
import dev.gantry.core.ledger.LedgerEvent.VersionAdded;
import dev.gantry.core.note.NoteKey;
import dev.gantry.store.Database;
import dev.gantry.store.DeployQueries;
import dev.gantry.store.JdbcLedgerStore;
import dev.gantry.store.VersionDirectory;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The version directory query ({@code GET /api/v1/versions}, {@code gantry versions}) over 1,000 services
 * × 5 running versions, each version with two clients seen and every fifth with a live lease: the three
 * projection queries plus the fold into one row per version. Target (issue #6): under 50 ms.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class VersionDirectoryBenchmark {
  static final int SERVICES = 1000;
  static final int VERSIONS = 5;

  @Param({"sqlite", "postgresql"})
  String engine;

  BenchDatabases.Fresh fresh;
  Database db;
  JdbcLedgerStore store;
  DeployQueries queries;
  final Instant now = Instant.parse("2026-12-01T12:00:00Z");

  @Setup
  public void setUp() {
    fresh = BenchDatabases.fresh(engine);
    db = fresh.db();
    store = new JdbcLedgerStore(db, Clock.systemUTC(), NoteKey.generate("gantry.bench/directory"));
    int lease = 0;
    for (int s = 0; s < SERVICES; s++) {
      String service = "svc-" + s;
      List<LedgerEvent> events = new ArrayList<>();
      for (int v = 1; v <= VERSIONS; v++) {
        String label = "v" + v;
        events.add(new VersionAdded(service, label, "A-" + (s * VERSIONS + v), true));
        events.add(new ClientsSeen(service, label, Map.of("desk-a", now.minusSeconds(60).toString(), "batch-b",
            now.minusSeconds(86_400).toString())));
        if (v == 1) {
          events.add(new LeaseAcquired(String.format("L-%06d", ++lease), service, label, "month-end",
              now.plusSeconds(30 * 86_400).toString()));
        }
      }
      store.append("bench", state -> events);
    }
    int rows = VersionDirectory.build(queries(), now).size();
    if (rows != SERVICES * VERSIONS) {
      throw new IllegalStateException("directory rows: " + rows + " (expected: " + SERVICES * VERSIONS + ")");
    }
  }

  private DeployQueries queries() {
    if (queries == null) {
      queries = new DeployQueries(db);
    }
    return queries;
  }

  @TearDown
  public void tearDown() {
    store.close();
    fresh.drop();
  }

  @Benchmark
  public List<Map<String, Object>> directory() {
    return VersionDirectory.build(queries(), now);
  }
}
