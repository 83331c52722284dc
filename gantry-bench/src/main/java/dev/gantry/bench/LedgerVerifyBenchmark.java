package dev.gantry.bench;

import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerVerifier;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import dev.gantry.core.note.NoteKey;
import dev.gantry.store.Database;
import dev.gantry.store.JdbcLedgerStore;
import dev.gantry.store.LedgerAudit;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Verification speed over a ledger of {@value VerifyFixture#ENTRIES} entries (see {@link VerifyFixture}).
 * Each operation verifies the whole ledger once, so the score is seconds per million events;
 * events/s = 1,000,000 / score.
 *
 * <ul>
 *   <li>{@code audit}: {@link LedgerAudit#verify(Database, NoteKey)}, i.e. {@code gantry audit verify}:
 *       streams the SQLite ledger, checks chain, hashes and every signed checkpoint's Merkle root,
 *       replays each event into a temporary SQLite database and compares the projections.</li>
 *   <li>{@code chainFromDisk}: streams the same SQLite ledger through {@link JdbcLedgerStore#scan} into the
 *       pure {@link LedgerVerifier}: everything {@code audit} does except the replay and the projection
 *       comparison, to show what those cost.</li>
 *   <li>{@code verifierInMemory}: only the pure {@link LedgerVerifier} (chain, hashes, event decoding,
 *       Merkle roots vs checkpoints) over entries already in memory: no I/O, no replay.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "--enable-native-access=ALL-UNNAMED"})
public class LedgerVerifyBenchmark {

  /** The fixture's SQLite database, open for the whole trial. */
  @State(Scope.Benchmark)
  public static class OnDisk {
    VerifyFixture fixture;
    Database db;

    @Setup(Level.Trial)
    public void open() {
      fixture = VerifyFixture.get();
      db = Database.sqlite(fixture.file).migrate();
    }

    @TearDown(Level.Trial)
    public void close() {
      db.close();
    }
  }

  /** A store on the fixture, only read from (its scan streams with a cursor). */
  @State(Scope.Benchmark)
  public static class Streamed {
    VerifyFixture fixture;
    Database db;
    JdbcLedgerStore store;
    List<String> checkpoints;

    @Setup(Level.Trial)
    public void open() {
      fixture = VerifyFixture.get();
      db = Database.sqlite(fixture.file).migrate();
      store = new JdbcLedgerStore(db, Clock.systemUTC(), fixture.key);
      checkpoints = store.checkpoints();
    }

    @TearDown(Level.Trial)
    public void close() {
      store.close();
      db.close();
    }
  }

  /** All entries and checkpoints of the fixture, read into memory once. */
  @State(Scope.Benchmark)
  public static class InMemory {
    NoteKey key;
    List<LedgerEntry> entries;
    List<String> checkpoints;

    @Setup(Level.Trial)
    public void load() {
      VerifyFixture fixture = VerifyFixture.get();
      key = fixture.key;
      try (Database db = Database.sqlite(fixture.file).migrate()) {
        JdbcLedgerStore store = new JdbcLedgerStore(db, Clock.systemUTC(), key);
        try {
          entries = new ArrayList<>((int) VerifyFixture.ENTRIES);
          store.scan(1, VerifyFixture.ENTRIES, entries::add);
          checkpoints = store.checkpoints();
        } finally {
          store.close();
        }
      }
      if (entries.size() != VerifyFixture.ENTRIES) {
        throw new IllegalStateException("read " + entries.size() + " entries, expected " + VerifyFixture.ENTRIES);
      }
    }
  }

  @Benchmark
  @Warmup(iterations = 1)
  @Measurement(iterations = 3)
  public Report audit(OnDisk s) {
    return check(LedgerAudit.verify(s.db, s.fixture.key));
  }

  @Benchmark
  @Warmup(iterations = 1)
  @Measurement(iterations = 3)
  public Report chainFromDisk(Streamed s) {
    LedgerVerifier v = new LedgerVerifier(s.fixture.key, s.checkpoints, null);
    s.store.scan(1, VerifyFixture.ENTRIES, v::accept);
    return check(v.finish());
  }

  @Benchmark
  @Warmup(iterations = 2)
  @Measurement(iterations = 5)
  public Report verifierInMemory(InMemory s) {
    LedgerVerifier v = new LedgerVerifier(s.key, s.checkpoints, null);
    for (LedgerEntry e : s.entries) {
      v.accept(e);
    }
    return check(v.finish());
  }

  private static Report check(Report r) {
    if (!r.ok() || r.entries() != VerifyFixture.ENTRIES || r.checkpoints() == 0) {
      throw new IllegalStateException("verification did not pass: " + r.describe());
    }
    return r;
  }
}
