package dev.gantry.store;

import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerStore;
import dev.gantry.core.merkle.CompactRange;
import dev.gantry.core.merkle.MerkleTree;
import dev.gantry.core.merkle.Sha256;
import dev.gantry.core.note.Checkpoint;
import dev.gantry.core.note.NoteKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger on JDBC, with group commit.
 *
 * <pre>
 *  request threads ──append(cmd)──▶ queue ──▶ writer thread (one connection)
 *                                              BEGIN; lock head
 *                                              for each cmd: SAVEPOINT; decide; insert entries; project
 *                                                            (refused → ROLLBACK TO SAVEPOINT)
 *                                              update head; COMMIT (one fsync for the batch)
 *                                   ◀── futures completed only after COMMIT returns
 * </pre>
 *
 * <p>Only the writer thread touches {@link #writer}, {@link #range} and the head fields, so they need
 * no locks. The head is re-read under the lock in every batch ({@code BEGIN IMMEDIATE} on SQLite,
 * {@code SELECT ... FOR UPDATE} on PostgreSQL), so several processes sharing a PostgreSQL database
 * still produce one gapless chain. An acknowledged append is durable: futures complete after commit.
 */
public final class JdbcLedgerStore implements LedgerStore {
  private static final Logger log = LoggerFactory.getLogger(JdbcLedgerStore.class);

  /** Upper bound on commands per transaction: keeps one batch's latency and lock time small. */
  private static final int MAX_BATCH = 512;

  private final Database db;
  private final Clock clock;
  private final String origin;
  private final NoteKey key;
  private final BlockingQueue<Work> queue = new ArrayBlockingQueue<>(65_536);
  private final Thread writerThread;
  private final Connection writer;
  private final Statements writerStatements;
  private volatile boolean closed;
  private volatile Snapshot snapshot;

  // Writer-thread state.
  private long size;
  private String headHash;
  private CompactRange range;

  /** The committed head and its Merkle root, published after each commit. */
  public record Snapshot(long size, String hash, byte[] root) {}

  private sealed interface Work {}

  private record Append(String actor, Command command, CompletableFuture<List<LedgerEntry>> done) implements Work {}

  private record SignCheckpoint(CompletableFuture<String> done) implements Work {}

  /**
   * @param key the checkpoint signing key; its name is the origin line of checkpoints
   */
  public JdbcLedgerStore(Database db, Clock clock, NoteKey key) {
    this.db = db;
    this.clock = clock;
    this.key = key;
    this.origin = key.name();
    try {
      this.writer = db.openDedicated();
      this.writerStatements = new Statements(writer);
      writer.setAutoCommit(false);
      loadHead();
      writer.commit();
    } catch (SQLException e) {
      throw new StoreException("cannot open the ledger: " + e.getMessage(), e);
    }
    this.writerThread = Thread.ofPlatform().name("gantry-ledger-writer").daemon(true).start(this::writeLoop);
  }

  public Database database() {
    return db;
  }

  public NoteKey key() {
    return key;
  }

  // ---------------------------------------------------------------- appending

  @Override
  public List<LedgerEntry> append(String actor, Command command) {
    CompletableFuture<List<LedgerEntry>> done = new CompletableFuture<>();
    submit(new Append(actor, command, done));
    return await(done);
  }

  /** Signs a checkpoint for the current head, stores it, and returns the signed note. */
  public String signCheckpoint() {
    CompletableFuture<String> done = new CompletableFuture<>();
    submit(new SignCheckpoint(done));
    return await(done);
  }

  private void submit(Work w) {
    if (closed) {
      throw new StoreException("the ledger store is closed", null);
    }
    try {
      queue.put(w);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while queueing an append", e);
    }
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for the ledger", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new StoreException(e.getCause().getMessage(), e.getCause());
    }
  }

  private void writeLoop() {
    List<Work> batch = new ArrayList<>(MAX_BATCH);
    while (!closed || !queue.isEmpty()) {
      try {
        Work first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        runBatch(batch);
      } catch (InterruptedException e) {
        if (closed) {
          break;
        }
      } catch (Throwable t) {
        log.error("ledger writer failed a batch", t);
      } finally {
        batch.clear();
      }
    }
  }

  private void runBatch(List<Work> batch) {
    List<Runnable> onCommit = new ArrayList<>(batch.size());
    try {
      loadHead(); // under the write lock: another process may have appended
      long startSize = size;
      String startHash = headHash;
      List<byte[]> newLeaves = new ArrayList<>();
      for (Work w : batch) {
        switch (w) {
          case Append a -> runAppend(a, newLeaves, onCommit);
          case SignCheckpoint s -> {
            CompactRange r = range.copy();
            newLeaves.forEach(r::append);
            String note = new Checkpoint(origin, size, r.root()).sign(key).format();
            try (PreparedStatement ps = writer.prepareStatement(
                "INSERT INTO checkpoint (size, note, signed_at) VALUES (?, ?, ?) ON CONFLICT (size) DO NOTHING")) {
              ps.setLong(1, size);
              ps.setString(2, note);
              ps.setString(3, LedgerEntry.formatTime(clock.instant()));
              ps.executeUpdate();
            }
            String stored = storedCheckpoint(size).orElse(note);
            onCommit.add(() -> s.done().complete(stored));
          }
        }
      }
      if (size != startSize) {
        CompactRange r = range.copy();
        newLeaves.forEach(r::append);
        try (PreparedStatement ps = writer.prepareStatement(
            "UPDATE ledger_head SET size = ?, hash = ?, merkle_range = ? WHERE id = 1")) {
          ps.setLong(1, size);
          ps.setString(2, headHash);
          ps.setString(3, encodeRange(r));
          ps.executeUpdate();
        }
        writer.commit();
        range = r;
      } else {
        writer.commit();
      }
      snapshot = new Snapshot(size, headHash, range.root());
      onCommit.forEach(Runnable::run);
      if (log.isTraceEnabled()) {
        log.trace("committed {} commands, head {} -> {}", batch.size(), startSize, size);
      }
      assert startHash != null;
    } catch (Throwable t) {
      rollbackQuietly();
      StoreException failure = new StoreException("ledger commit failed: " + t.getMessage(), t);
      for (Work w : batch) {
        switch (w) {
          case Append a -> a.done().completeExceptionally(failure);
          case SignCheckpoint s -> s.done().completeExceptionally(failure);
        }
      }
      try {
        loadHead();
        writer.commit();
      } catch (SQLException e) {
        log.error("cannot reload the ledger head after a failed commit", e);
      }
    }
  }

  private void runAppend(Append a, List<byte[]> newLeaves, List<Runnable> onCommit) throws SQLException {
    long sizeBefore = size;
    String hashBefore = headHash;
    int leavesBefore = newLeaves.size();
    Savepoint sp = writer.setSavepoint();
    try {
      List<LedgerEvent> events = a.command().decide(new JdbcStateView(writer));
      List<LedgerEntry> entries = new ArrayList<>(events.size());
      Instant now = clock.instant();
      for (LedgerEvent event : events) {
        LedgerEntry entry = LedgerEntry.create(size + 1, now, a.actor(), event, headHash);
        insert(entry);
        Projector.apply(writerStatements, entry, event);
        newLeaves.add(entry.leafHash());
        size = entry.seq();
        headHash = entry.hash();
        entries.add(entry);
      }
      writer.releaseSavepoint(sp);
      List<LedgerEntry> result = List.copyOf(entries);
      onCommit.add(() -> a.done().complete(result));
    } catch (RuntimeException | SQLException e) {
      // A refused or failing command leaves nothing behind; the rest of the batch goes on.
      writer.rollback(sp);
      size = sizeBefore;
      headHash = hashBefore;
      while (newLeaves.size() > leavesBefore) {
        newLeaves.removeLast();
      }
      if (e instanceof SQLException sql) {
        a.done().completeExceptionally(new StoreException("append failed: " + sql.getMessage(), sql));
      } else {
        a.done().completeExceptionally(e);
      }
    }
  }

  private void insert(LedgerEntry e) throws SQLException {
    try (PreparedStatement ps = writer.prepareStatement(
        "INSERT INTO ledger_entry (seq, time, actor, type, subject, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setLong(1, e.seq());
      ps.setString(2, e.time());
      ps.setString(3, e.actor());
      ps.setString(4, e.type());
      ps.setString(5, e.subject());
      ps.setString(6, e.bodyJson());
      ps.setString(7, e.prevHash());
      ps.setString(8, e.hash());
      ps.executeUpdate();
    }
  }

  /** Reads the head under the write lock (starts the batch's transaction). */
  private void loadHead() throws SQLException {
    try (Statement st = writer.createStatement()) {
      if (db.dialect() == Database.Dialect.SQLITE) {
        // The JDBC driver began a deferred transaction; take the write lock now, before reading.
        st.executeUpdate("UPDATE ledger_head SET id = id WHERE id = 1");
      }
      String lock = db.dialect() == Database.Dialect.POSTGRESQL ? " FOR UPDATE" : "";
      try (ResultSet rs = st.executeQuery("SELECT size, hash, merkle_range FROM ledger_head WHERE id = 1" + lock)) {
        if (!rs.next()) {
          throw new SQLException("ledger_head row is missing");
        }
        long s = rs.getLong(1);
        if (range == null || s != size) {
          size = s;
          headHash = rs.getString(2);
          range = decodeRange(s, rs.getString(3));
        }
      }
    }
  }

  private void rollbackQuietly() {
    try {
      writer.rollback();
    } catch (SQLException e) {
      log.warn("rollback failed", e);
    }
  }

  /** The compact range as stored: hex hashes joined by commas, largest subtree first. */
  private static String encodeRange(CompactRange r) {
    return String.join(",", r.hashesHex());
  }

  private static CompactRange decodeRange(long size, String text) {
    List<byte[]> hashes = text == null || text.isEmpty()
        ? List.of() : Arrays.stream(text.split(",")).map(Sha256::unhex).toList();
    return CompactRange.of(size, hashes);
  }

  // ---------------------------------------------------------------- reading

  /** Reads the committed state through the same view commands get (outside any append). */
  public <T> T stateView(java.util.function.Function<StateView, T> read) {
    try (Connection c = db.readers().getConnection()) {
      return read.apply(new JdbcStateView(c));
    } catch (SQLException e) {
      throw new StoreException("cannot read state: " + e.getMessage(), e);
    }
  }

  /** The last committed head and Merkle root. */
  public Snapshot snapshot() {
    Snapshot s = snapshot;
    if (s == null) {
      Head h = head();
      return new Snapshot(h.size(), h.hash(), MerkleTree.emptyRoot());
    }
    return s;
  }

  @Override
  public Head head() {
    Snapshot s = snapshot;
    if (s != null) {
      return new Head(s.size(), s.hash());
    }
    try (Connection c = db.readers().getConnection();
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT size, hash FROM ledger_head WHERE id = 1")) {
      rs.next();
      return new Head(rs.getLong(1), rs.getString(2));
    } catch (SQLException e) {
      throw new StoreException("cannot read the ledger head: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<LedgerEntry> entry(long seq) {
    List<LedgerEntry> out = new ArrayList<>(1);
    scan(seq, seq, out::add);
    return out.stream().findFirst();
  }

  @Override
  public void scan(long from, long to, Consumer<LedgerEntry> consumer) {
    LedgerScan.scan(db, "WHERE seq >= ? AND seq <= ?", List.of(from, to), consumer);
  }

  /** Entries about one subject, in order. */
  public void scanSubject(String subject, long fromSeq, int limit, Consumer<LedgerEntry> consumer) {
    LedgerScan.scan(db, "WHERE subject = ? AND seq >= ? ORDER BY seq LIMIT " + Math.max(1, limit),
        List.of(subject, fromSeq), consumer);
  }

  /** The newest stored checkpoint, if any. */
  public Optional<String> latestCheckpoint() {
    return queryString("SELECT note FROM checkpoint ORDER BY size DESC LIMIT 1");
  }

  /** The signing time of the newest checkpoint, if any. */
  public Optional<String> latestCheckpointTime() {
    return queryString("SELECT signed_at FROM checkpoint ORDER BY size DESC LIMIT 1");
  }

  private Optional<String> storedCheckpoint(long atSize) throws SQLException {
    try (PreparedStatement ps = writer.prepareStatement("SELECT note FROM checkpoint WHERE size = ?")) {
      ps.setLong(1, atSize);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** All stored checkpoints, smallest first. */
  public List<String> checkpoints() {
    return LedgerScan.strings(db, "SELECT note FROM checkpoint ORDER BY size");
  }

  private Optional<String> queryString(String sql) {
    List<String> l = LedgerScan.strings(db, sql);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.getFirst());
  }

  /**
   * An inclusion proof for entry seq in the tree of the newest checkpoint (signing one first when the
   * newest does not cover seq), in C2SP tlog-proof@v1 form.
   */
  public String inclusionProof(long seq) {
    if (seq < 1 || seq > head().size()) {
      throw new IllegalArgumentException("seq: " + seq + " (expected: 1.." + head().size() + ")");
    }
    String note = latestCheckpoint().orElse(null);
    Checkpoint cp = note == null ? null : Checkpoint.verify(note, key);
    if (cp == null || cp.size() < seq) {
      note = signCheckpoint();
      cp = Checkpoint.verify(note, key);
    }
    List<byte[]> leaves = new ArrayList<>((int) cp.size());
    scan(1, cp.size(), e -> leaves.add(e.leafHash()));
    if (leaves.size() != cp.size()) {
      throw new StoreException("ledger has " + leaves.size() + " entries but the checkpoint covers " + cp.size(), null);
    }
    List<byte[]> proof = MerkleTree.inclusionProof(i -> leaves.get((int) i), seq - 1, cp.size());
    return new dev.gantry.core.note.TlogProof(null, seq - 1, proof, note).format();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      writerThread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writerStatements.close();
    try {
      writer.close();
    } catch (SQLException e) {
      log.warn("closing the writer connection failed", e);
    }
  }
}
