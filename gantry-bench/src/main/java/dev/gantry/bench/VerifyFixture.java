package dev.gantry.bench;

import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.AccountCreated;
import dev.gantry.core.ledger.LedgerEvent.RequestRefused;
import dev.gantry.core.ledger.LedgerEvent.TokenCreated;
import dev.gantry.core.merkle.Sha256;
import dev.gantry.core.note.NoteKey;
import dev.gantry.store.Database;
import dev.gantry.store.JdbcLedgerStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ledger the verify benchmarks read: {@value #ENTRIES} entries in a SQLite file, built once through
 * {@link JdbcLedgerStore} (so chain, Merkle range, projections and head are exactly what the product
 * writes) and reused by later runs. The mix is what account administration writes: per command an
 * {@code account.created} and a {@code token.created} for it (both insert projection rows), plus a
 * {@code request.refused} (no projection) every tenth command; a checkpoint is signed about every
 * 100,000 entries and at the end.
 *
 * <p>Files, in {@link BenchDatabases#dataDir()}: {@code verify-1m.db} and {@code verify-1m.properties}
 * (the signing key and the entry count; written last, so its presence means the database is complete).
 */
final class VerifyFixture {
  static final long ENTRIES = 1_000_000;
  private static final int THREADS = 16;
  private static final long CHECKPOINT_EVERY = 100_000;

  final Path file;
  final NoteKey key;

  private VerifyFixture(Path file, NoteKey key) {
    this.file = file;
    this.key = key;
  }

  /** The fixture, building it first when it is missing or incomplete. */
  static synchronized VerifyFixture get() {
    Path dir = BenchDatabases.dataDir();
    Path file = dir.resolve("verify-1m.db");
    Path meta = dir.resolve("verify-1m.properties");
    if (Files.exists(meta) && Files.exists(file)) {
      Properties p = load(meta);
      if (Long.parseLong(p.getProperty("entries", "0")) == ENTRIES) {
        Base64.Decoder b64 = Base64.getDecoder();
        NoteKey key = NoteKey.fromPkcs8(p.getProperty("name"), b64.decode(p.getProperty("pkcs8")),
            b64.decode(p.getProperty("public")));
        try (Database db = Database.sqlite(file).migrate()) {
          System.out.println("# reusing " + file + " (" + ENTRIES + " entries); delete it to rebuild");
          return new VerifyFixture(file, key);
        } catch (RuntimeException e) {
          // e.g. a migration changed since the file was built: Flyway refuses it
          System.out.println("# cannot reuse " + file + " (" + e.getMessage() + "); rebuilding it");
        }
      }
    }
    return build(file, meta);
  }

  private static VerifyFixture build(Path file, Path meta) {
    try {
      Files.deleteIfExists(meta);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    BenchDatabases.deleteSqlite(file);
    NoteKey key = NoteKey.generate("bench.local/verify");
    long t0 = System.nanoTime();
    AtomicLong commands = new AtomicLong();
    AtomicLong nextCheckpoint = new AtomicLong(CHECKPOINT_EVERY);
    try (Database db = Database.sqlite(file).migrate()) {
      JdbcLedgerStore store = new JdbcLedgerStore(db, Clock.systemUTC(), key);
      try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          done.add(pool.submit(() -> {
            while (true) {
              long n = commands.getAndIncrement();
              long before = entriesBefore(n);
              if (before >= ENTRIES) {
                return;
              }
              List<LedgerEvent> events = command(n);
              List<LedgerEvent> fit = events.subList(0, (int) Math.min(events.size(), ENTRIES - before));
              long size = store.append("bench-admin", state -> fit).getLast().seq();
              long cp = nextCheckpoint.get();
              if (size >= cp && nextCheckpoint.compareAndSet(cp, cp + CHECKPOINT_EVERY)) {
                store.signCheckpoint();
              }
            }
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      }
      store.signCheckpoint();
      long size = store.head().size();
      store.close();
      if (size != ENTRIES) {
        throw new IllegalStateException("fixture has " + size + " entries, expected " + ENTRIES);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot build the verify fixture: " + e, e);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    long appends = commands.get() - THREADS; // each thread claimed one number past the end
    System.out.printf("# built %s: %d entries in %d appends by %d threads in %.1f s (%.0f entries/s)%n",
        file, ENTRIES, appends, THREADS, secs, ENTRIES / secs);
    Properties p = new Properties();
    Base64.Encoder b64 = Base64.getEncoder();
    p.setProperty("entries", Long.toString(ENTRIES));
    p.setProperty("name", key.name());
    p.setProperty("pkcs8", b64.encodeToString(key.pkcs8()));
    p.setProperty("public", b64.encodeToString(key.publicKey()));
    p.setProperty("buildSeconds", String.format("%.1f", secs));
    try {
      Path tmp = meta.resolveSibling(meta.getFileName() + ".tmp");
      try (var w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(w, "gantry-bench verify fixture (benchmark-only key)");
      }
      Files.move(tmp, meta, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new VerifyFixture(file, key);
  }

  /** Entries in commands 0..n-1: two each, plus one for every tenth. Each command is appended once. */
  static long entriesBefore(long n) {
    return 2 * n + n / 10;
  }

  /** Command n's events: an account and its token, and a refused request every tenth command. */
  static List<LedgerEvent> command(long n) {
    String account = "svc-" + n;
    String expires = LedgerEntry.formatTime(Instant.parse("2030-01-01T00:00:00Z").plus(n % 1000, ChronoUnit.MINUTES));
    String sha = Sha256.hex(Sha256.hash(("token-secret-" + n).getBytes(StandardCharsets.UTF_8)));
    List<LedgerEvent> events = new ArrayList<>(3);
    events.add(new AccountCreated(account, AccountKind.ROBOT, Set.of(Role.DEPLOYER)));
    events.add(new TokenCreated("tok-" + n, account, sha, expires, "ci deploy token for " + account));
    if (n % 10 == 9) {
      events.add(new RequestRefused(account, "POST", "/api/v1/deployments", 403,
          "role deployer does not allow approving deployments"));
    }
    return events;
  }

  private static Properties load(Path meta) {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
