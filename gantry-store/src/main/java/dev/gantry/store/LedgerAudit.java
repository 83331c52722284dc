package dev.gantry.store;

import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.PolicyEvaluated;
import dev.gantry.core.policy.PolicyReplay;
import dev.gantry.core.ledger.LedgerVerifier;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import dev.gantry.core.note.NoteKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * {@code gantry audit verify}: one pass over the ledger that checks the chain, the Merkle root against
 * every signed checkpoint, and replays each event into an empty database; then compares the replayed
 * projections with the live ones, row by row, and the stored head with the chain's end.
 *
 * <p>The replay database is a temporary SQLite file with the same migrations and the same
 * {@link Projector}, whatever engine the live ledger uses.
 */
public final class LedgerAudit {

  private LedgerAudit() {}

  /**
   * Verifies a live database. Every read (checkpoints, entries, head, projections) happens in one read
   * transaction, a snapshot: the server keeps appending while an auditor verifies (the deploy loop, client
   * sightings), and a verification must judge one consistent state, not entries from one moment and a
   * head or projections from a later one.
   */
  public static Report verify(Database live, NoteKey key) {
    try (Connection snap = live.readers().getConnection()) {
      boolean auto = snap.getAutoCommit();
      if (live.dialect() == Database.Dialect.POSTGRESQL) {
        snap.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      }
      snap.setAutoCommit(false);
      try {
        return verify(live, snap, key);
      } finally {
        snap.rollback();
        snap.setAutoCommit(auto);
        if (live.dialect() == Database.Dialect.POSTGRESQL) {
          snap.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the ledger: " + e.getMessage(), e);
    }
  }

  private static Report verify(Database live, Connection snap, NoteKey key) throws SQLException {
    List<String> checkpoints = LedgerScan.strings(snap, "SELECT note FROM checkpoint ORDER BY size");
    try (Replay replay = new Replay(); AsyncReplay async = new AsyncReplay(replay)) {
      LedgerVerifier v = new LedgerVerifier(key, checkpoints, async);
      if (v.ok()) {
        try {
          LedgerScan.scan(snap, "", List.of(), e -> {
            v.accept(e);
            if (!v.ok() || async.failed()) {
              throw new StopScan();
            }
          });
        } catch (StopScan stop) {
          // the verifier or the replay has recorded the problem
        }
      }
      async.finish();
      if (async.failedSeq() > 0) {
        v.fail(async.failedSeq(), async.failure());
      }
      Report r = v.finish();
      if (!r.ok()) {
        return r;
      }
      String head = LedgerScan.strings(snap, "SELECT size || ':' || hash FROM ledger_head WHERE id = 1").getFirst();
      if (!head.equals(r.entries() + ":" + v.lastHash())) {
        v.fail(r.entries() + 1, "the stored head (" + head.replace(':', ' ') + ") does not match the chain's end ("
            + r.entries() + " " + v.lastHash() + "): entries after seq " + r.entries() + " were removed");
        return v.finish();
      }
      replay.commit();
      for (Projector.Table t : Projector.TABLES) {
        String diff = replay.compare(snap, live.dialect() == Database.Dialect.POSTGRESQL, t);
        if (diff != null) {
          int sep = diff.indexOf(' ');
          v.fail(Long.parseLong(diff.substring(0, sep)), diff.substring(sep + 1));
          return v.finish();
        }
      }
      return r;
    }
  }

  /** Verifies an exported ledger (entries in order) with its checkpoints; replays it to prove it applies. */
  public static Report verify(Iterable<LedgerEntry> entries, List<String> checkpoints, NoteKey key) {
    try (Replay replay = new Replay(); AsyncReplay async = new AsyncReplay(replay)) {
      LedgerVerifier v = new LedgerVerifier(key, checkpoints, async);
      for (LedgerEntry e : entries) {
        if (!v.ok() || async.failed()) {
          break;
        }
        v.accept(e);
      }
      async.finish();
      if (async.failedSeq() > 0) {
        v.fail(async.failedSeq(), async.failure());
      }
      return v.finish();
    }
  }

  /**
   * Replays on a second thread while the calling thread reads and checks the chain: the two halves of the
   * audit cost about the same, so on two cores the audit takes about the time of the slower one. Entries
   * travel in batches through a bounded queue; the first replay failure is kept with its sequence number.
   */
  private static final class AsyncReplay implements java.util.function.Consumer<LedgerEntry>, AutoCloseable {
    private static final int BATCH = 2048;
    private static final List<LedgerEntry> END = List.of();
    private final java.util.concurrent.BlockingQueue<List<LedgerEntry>> queue =
        new java.util.concurrent.ArrayBlockingQueue<>(16);
    private final Thread worker;
    private List<LedgerEntry> batch = new java.util.ArrayList<>(BATCH);
    private volatile long failedSeq;
    private volatile String failure;

    AsyncReplay(Replay replay) {
      worker = Thread.ofPlatform().name("gantry-audit-replay").daemon(true).start(() -> {
        try {
          for (List<LedgerEntry> b = queue.take(); b != END; b = queue.take()) {
            if (failedSeq > 0) {
              continue; // drain after a failure
            }
            for (LedgerEntry e : b) {
              try {
                replay.accept(e);
              } catch (RuntimeException ex) {
                failure = "replay failed: " + ex.getMessage();
                failedSeq = e.seq();
                break;
              }
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }

    @Override
    public void accept(LedgerEntry e) {
      batch.add(e);
      if (batch.size() == BATCH) {
        put(batch);
        batch = new java.util.ArrayList<>(BATCH);
      }
    }

    private void put(List<LedgerEntry> b) {
      try {
        queue.put(b);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new StoreException("interrupted during the audit", ex);
      }
    }

    boolean failed() {
      return failedSeq > 0;
    }

    long failedSeq() {
      return failedSeq;
    }

    String failure() {
      return failure;
    }

    /** Hands over the last batch and waits until everything is replayed. */
    void finish() {
      if (!batch.isEmpty()) {
        put(batch);
        batch = new java.util.ArrayList<>();
      }
      put(END);
      try {
        worker.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      if (worker.isAlive()) {
        queue.offer(END);
      }
    }
  }

  private static final class StopScan extends RuntimeException {
    StopScan() {
      super(null, null, false, false);
    }
  }

  /** An empty projection database that events are applied to. */
  private static final class Replay implements Consumer<LedgerEntry>, AutoCloseable {
    private final Path file;
    private final Database db;
    private final Connection c;
    private final Statements statements;

    Replay() {
      try {
        file = Files.createTempFile("gantry-replay-", ".db");
        db = Database.sqlite(file).migrate();
        c = db.openDedicated();
        try (var st = c.createStatement()) {
          // Throw-away database: durability is not wanted, speed is.
          st.execute("PRAGMA synchronous = OFF");
          st.execute("PRAGMA cache_size = -262144"); // 256 MiB: the whole replay stays in memory
          st.execute("PRAGMA temp_store = MEMORY");
        }
        statements = new Statements(c);
        c.setAutoCommit(false);
      } catch (IOException | SQLException e) {
        throw new StoreException("cannot create the replay database: " + e.getMessage(), e);
      }
    }

    @Override
    public void accept(LedgerEntry e) {
      try {
        LedgerEvent event = e.event(); // decodes: a bad body fails here, naming its seq
        // Release decisions must follow from the replayed state: the same verdicts, and four eyes kept.
        String problem = switch (event) {
          case PolicyEvaluated pe -> PolicyReplay.check(new JdbcStateView(c), pe, e.actor(),
              java.time.Instant.parse(e.time()));
          case LedgerEvent.ApprovalRecorded ar -> PolicyReplay.checkApproval(new JdbcStateView(c), ar, e.actor());
          default -> null;
        };
        if (problem != null) {
          throw new IllegalStateException(problem);
        }
        Projector.apply(statements, e, event);
      } catch (SQLException ex) {
        throw new IllegalStateException(ex.getMessage(), ex);
      }
    }

    void commit() {
      try {
        c.commit();
      } catch (SQLException e) {
        throw new StoreException("replay commit failed: " + e.getMessage(), e);
      }
    }

    /** Null when equal; otherwise "SEQ description" naming the entry that last wrote the differing row. */
    String compare(Connection lc, boolean pg, Projector.Table t) {
      // Byte order on both sides for text keys: PostgreSQL's default collation follows the locale.
      String order = String.join(", ", t.keys().stream()
          .map(k -> pg && !t.integerKeys().contains(k) ? k + " COLLATE \"C\"" : k).toList());
      String sql = "SELECT * FROM " + t.name() + " ORDER BY " + String.join(", ", t.keys());
      String liveSql = "SELECT * FROM " + t.name() + " ORDER BY " + order;
      try (PreparedStatement lps = lc.prepareStatement(liveSql);
           ResultSet lrs = lps.executeQuery();
           PreparedStatement rps = c.prepareStatement(sql);
           ResultSet rrs = rps.executeQuery()) {
        List<String> cols = columns(rrs.getMetaData());
        int seqCol = cols.indexOf("updated_seq");
        int[] keyCols = t.keys().stream().mapToInt(cols::indexOf).toArray();
        while (true) {
          List<String> l = lrs.next() ? row(lrs) : null;
          List<String> r = rrs.next() ? row(rrs) : null;
          if (l == null && r == null) {
            return null;
          }
          int cmp = l == null ? 1 : r == null ? -1 : compareKeys(t, keyCols, l, r);
          if (cmp > 0) {
            return r.get(seqCol) + " projection " + t.name() + " is missing row '" + key(keyCols, r)
                + "' that replaying the ledger creates";
          }
          if (cmp < 0) {
            return l.get(seqCol) + " projection " + t.name() + " has row '" + key(keyCols, l)
                + "' that no ledger entry created (it claims seq " + l.get(seqCol) + ")";
          }
          for (int i = 0; i < cols.size(); i++) {
            if (!Objects.equals(l.get(i), r.get(i))) {
              return r.get(seqCol) + " projection " + t.name() + " row '" + key(keyCols, l) + "' column " + cols.get(i)
                  + " is '" + l.get(i) + "' but replaying the ledger gives '" + r.get(i) + "'";
            }
          }
        }
      } catch (SQLException e) {
        throw new StoreException("cannot compare projection " + t.name() + ": " + e.getMessage(), e);
      }
    }

    /** Orders rows as the databases do: text keys by code unit, integer keys numerically. */
    private static int compareKeys(Projector.Table t, int[] keyCols, List<String> l, List<String> r) {
      for (int i = 0; i < keyCols.length; i++) {
        String a = l.get(keyCols[i]);
        String b = r.get(keyCols[i]);
        int c = t.integerKeys().contains(t.keys().get(i)) ? Long.compare(Long.parseLong(a), Long.parseLong(b))
            : a.compareTo(b);
        if (c != 0) {
          return c;
        }
      }
      return 0;
    }

    private static String key(int[] keyCols, List<String> row) {
      StringBuilder b = new StringBuilder();
      for (int k : keyCols) {
        if (b.length() > 0) {
          b.append('/');
        }
        b.append(row.get(k));
      }
      return b.toString();
    }

    private static List<String> columns(ResultSetMetaData md) throws SQLException {
      List<String> out = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        out.add(md.getColumnName(i).toLowerCase(java.util.Locale.ROOT));
      }
      return out;
    }

    private static List<String> row(ResultSet rs) throws SQLException {
      int n = rs.getMetaData().getColumnCount();
      List<String> out = new ArrayList<>(n);
      for (int i = 1; i <= n; i++) {
        out.add(rs.getString(i)); // compares SQLite INTEGER and PostgreSQL BIGINT by their decimal text
      }
      return out;
    }

    @Override
    public void close() {
      statements.close();
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing a throw-away database
      }
      db.close();
      for (String suffix : List.of("", "-wal", "-shm")) {
        try {
          Files.deleteIfExists(Path.of(file + suffix));
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }
}
