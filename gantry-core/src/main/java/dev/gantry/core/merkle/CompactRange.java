package dev.gantry.core.merkle;

import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of a growing Merkle tree: the roots of its perfect subtrees, largest first. Appending a
 * leaf costs amortised O(1) hashes and the root costs O(log n), so the server keeps one of these for
 * the live ledger and the verifier streams a million entries through one without holding them.
 *
 * <p>Not thread-safe: the ledger writer owns its instance.
 */
public final class CompactRange {
  private final List<byte[]> hashes = new ArrayList<>();
  private long size;

  public CompactRange() {}

  /** A copy, so a caller can compute a root without disturbing the original. */
  public CompactRange copy() {
    CompactRange c = new CompactRange();
    c.hashes.addAll(hashes);
    c.size = size;
    return c;
  }

  /** Rebuilds a range from its stored hashes (largest subtree first); there is one per set bit of size. */
  public static CompactRange of(long size, List<byte[]> hashes) {
    if (size < 0 || Long.bitCount(size) != hashes.size()) {
      throw new IllegalArgumentException("compact range of size " + size + " needs " + Long.bitCount(size)
          + " hashes, got " + hashes.size());
    }
    CompactRange c = new CompactRange();
    c.hashes.addAll(hashes);
    c.size = size;
    return c;
  }

  /** The subtree roots, largest first, in hex. */
  public List<String> hashesHex() {
    return hashes.stream().map(Sha256::hex).toList();
  }

  public long size() {
    return size;
  }

  public void append(byte[] leafHash) {
    byte[] h = leafHash;
    // Merge while the lowest subtree is complete: the number of merges is the trailing ones of size.
    long s = size;
    while ((s & 1) == 1) {
      h = MerkleTree.nodeHash(hashes.removeLast(), h);
      s >>= 1;
    }
    hashes.add(h);
    size++;
  }

  /** The RFC 6962 root of the leaves appended so far. */
  public byte[] root() {
    if (hashes.isEmpty()) {
      return MerkleTree.emptyRoot();
    }
    byte[] r = hashes.getLast();
    for (int i = hashes.size() - 2; i >= 0; i--) {
      r = MerkleTree.nodeHash(hashes.get(i), r);
    }
    return r;
  }
}
