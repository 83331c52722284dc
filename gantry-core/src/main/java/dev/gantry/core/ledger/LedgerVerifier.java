package dev.gantry.core.ledger;

import dev.gantry.core.merkle.CompactRange;
import dev.gantry.core.merkle.MerkleTree;
import dev.gantry.core.merkle.Sha256;
import dev.gantry.core.note.Checkpoint;
import dev.gantry.core.note.NoteKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Streams a ledger once and checks, for every entry in order: the sequence number (no gap, duplicate or
 * reordering), the link to the previous hash, the hash of its canonical form, and that its body decodes
 * to a known event. Signed checkpoints are checked for their signature and against the Merkle root of
 * the entries at their size; a checkpoint beyond the last entry means the tail was cut off.
 *
 * <p>Stops at the first problem and names its sequence number. Memory is O(log n): entries are not kept.
 *
 * <pre>
 *   entries ──▶ seq? ──▶ prev? ──▶ hash? ──▶ decode ──▶ CompactRange ──▶ root at each checkpoint size
 *                                               └──▶ onEvent (replay, when the caller wants one)
 * </pre>
 */
public final class LedgerVerifier {

  /** The outcome; when not ok, badSeq is the first sequence number found wrong and problem says why. */
  public record Report(boolean ok, long entries, long checkpoints, long badSeq, String problem, String root) {
    public String describe() {
      if (ok) {
        return "ok: " + entries + " entries, chain and Merkle root intact, " + checkpoints
            + " signed checkpoint(s) verified; root " + root;
      }
      return "FAILED at seq " + badSeq + ": " + problem;
    }
  }

  private final NoteKey key;
  private final List<Checkpoint> checkpoints = new ArrayList<>();
  private final Consumer<LedgerEntry> onEntry;
  private final CompactRange range = new CompactRange();
  private int nextCheckpoint;
  private long expectedSeq = 1;
  private String lastHash = LedgerEntry.GENESIS_PREV;
  private long badSeq = -1;
  private String problem;

  /**
   * @param key the installation's checkpoint verifier key
   * @param signedCheckpoints checkpoint notes; each must be signed by key
   * @param onEntry called with each entry that passed its checks, with its decoded event (for replay); may be null
   */
  public LedgerVerifier(NoteKey key, List<String> signedCheckpoints, Consumer<LedgerEntry> onEntry) {
    this.key = key;
    this.onEntry = onEntry;
    for (String note : signedCheckpoints) {
      try {
        checkpoints.add(Checkpoint.verify(note, key));
      } catch (IllegalArgumentException e) {
        Checkpoint unsigned = tryParse(note);
        fail(unsigned == null ? 1 : Math.max(1, unsigned.size()), "checkpoint" + (unsigned == null ? "" :
            " at size " + unsigned.size()) + " does not verify: " + e.getMessage());
        break;
      }
    }
    checkpoints.sort(Comparator.comparingLong(Checkpoint::size));
  }

  private static Checkpoint tryParse(String note) {
    try {
      return Checkpoint.parseText(note.substring(0, note.lastIndexOf("\n\n") + 1));
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** True while no problem has been found; callers may stop feeding entries once false. */
  public boolean ok() {
    return problem == null;
  }

  /** Checks the next entry. */
  public void accept(LedgerEntry e) {
    if (problem != null) {
      return;
    }
    if (e.seq() != expectedSeq) {
      if (e.seq() > expectedSeq) {
        fail(expectedSeq, "entry missing (the next entry found is seq " + e.seq() + ")");
      } else {
        fail(e.seq(), "duplicate or out of order (expected seq " + expectedSeq + ")");
      }
      return;
    }
    if (!e.prevHash().equals(lastHash)) {
      fail(e.seq(), "prev hash does not match the hash of seq " + (e.seq() - 1)
          + " (an entry was removed, inserted or reordered)");
      return;
    }
    byte[] canonical = e.canonicalBytes();
    String computed = Sha256.hex(Sha256.hash(canonical));
    if (!computed.equals(e.hash())) {
      fail(e.seq(), "content does not match its hash (the entry was altered)");
      return;
    }
    if (onEntry != null) {
      try {
        onEntry.accept(e);
      } catch (RuntimeException ex) {
        fail(e.seq(), "replay failed: " + ex.getMessage());
        return;
      }
    } else {
      try {
        e.event();
      } catch (RuntimeException ex) {
        fail(e.seq(), "body does not decode: " + ex.getMessage());
        return;
      }
    }
    range.append(MerkleTree.leafHash(canonical));
    lastHash = computed;
    expectedSeq++;
    while (nextCheckpoint < checkpoints.size() && checkpoints.get(nextCheckpoint).size() == range.size()) {
      Checkpoint c = checkpoints.get(nextCheckpoint);
      if (!Arrays.equals(c.root(), range.root())) {
        long from = nextCheckpoint == 0 ? 1 : checkpoints.get(nextCheckpoint - 1).size() + 1;
        fail(from, "Merkle root of entries 1.." + c.size() + " differs from the signed checkpoint at size "
            + c.size() + " (history rewritten somewhere in seq " + from + ".." + c.size() + ")");
        return;
      }
      nextCheckpoint++;
    }
    while (nextCheckpoint < checkpoints.size() && checkpoints.get(nextCheckpoint).size() == 0) {
      nextCheckpoint++;
    }
  }

  /** Ends the stream and returns the report. */
  public Report finish() {
    if (problem == null && nextCheckpoint < checkpoints.size()) {
      Checkpoint c = checkpoints.getLast();
      fail(expectedSeq, "entry missing: a signed checkpoint covers " + c.size() + " entries but the ledger ends at seq "
          + (expectedSeq - 1) + " (the tail was truncated)");
    }
    String root = Base64.getEncoder().encodeToString(range.root());
    return problem == null
        ? new Report(true, range.size(), checkpoints.size(), 0, null, root)
        : new Report(false, range.size(), nextCheckpoint, badSeq, problem, root);
  }

  /** Records an externally found problem (e.g. the replay comparison), unless one was found earlier. */
  public void fail(long seq, String why) {
    if (problem == null) {
      badSeq = seq;
      problem = why;
    }
  }

  /** The hash of the last good entry. */
  public String lastHash() {
    return lastHash;
  }

  /** The RFC 6962 root of the good entries so far. */
  public byte[] root() {
    return range.root();
  }

  public NoteKey key() {
    return key;
  }
}
