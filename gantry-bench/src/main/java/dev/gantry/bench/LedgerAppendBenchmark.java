package dev.gantry.bench;

import dev.gantry.core.account.AccountCommands;
import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.note.NoteKey;
import dev.gantry.store.JdbcLedgerStore;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable appends per second: each operation is one {@code store.append} of the real "create account"
 * command (it reads the account projection to refuse duplicates, then appends one
 * {@code account.created} entry that inserts a projection row) and returns only after the entry is
 * committed (SQLite WAL with synchronous=FULL; PostgreSQL with its default synchronous_commit=on).
 * With 16 writer threads the store's single writer batches the queued commands into one transaction.
 *
 * <p>Every trial (engine x thread count) starts from a fresh, empty database.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class LedgerAppendBenchmark {

  @Param({"sqlite", "postgresql"})
  public String engine;

  private BenchDatabases.Fresh fresh;
  private JdbcLedgerStore store;
  private final AtomicInteger writers = new AtomicInteger();

  @Setup(Level.Trial)
  public void open() {
    fresh = BenchDatabases.fresh(engine);
    store = new JdbcLedgerStore(fresh.db(), Clock.systemUTC(), NoteKey.generate("bench.local/append"));
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close();
    fresh.drop();
  }

  /** One writer thread's account names: unique in the ledger across threads and iterations. */
  @State(Scope.Thread)
  public static class Writer {
    private String prefix;
    private long next;

    @Setup(Level.Trial)
    public void name(LedgerAppendBenchmark bench) {
      prefix = "bench-w" + bench.writers.incrementAndGet() + "-";
    }

    String nextName() {
      return prefix + (next++);
    }
  }

  private List<LedgerEntry> appendOne(Writer w) {
    String name = w.nextName();
    return store.append("bench-robot", AccountCommands.create(name, AccountKind.ROBOT, Set.of(Role.DEPLOYER)));
  }

  @Benchmark
  @Threads(1)
  public List<LedgerEntry> append_1writer(Writer w) {
    return appendOne(w);
  }

  @Benchmark
  @Threads(16)
  public List<LedgerEntry> append_16writers(Writer w) {
    return appendOne(w);
  }
}
