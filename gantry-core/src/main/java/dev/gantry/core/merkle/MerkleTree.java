package dev.gantry.core.merkle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The Merkle tree of RFC 6962 section 2.1 (RFC 9162 section 2.1): leaf hash = SHA-256(0x00 || leaf),
 * node hash = SHA-256(0x01 || left || right), the empty tree hashes to SHA-256("").
 *
 * <p>Proof generation reads leaf hashes through a function, so a caller can serve them from memory
 * or from a database; the verifiers follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 literally.
 */
public final class MerkleTree {
  public static final byte LEAF_PREFIX = 0x00;
  public static final byte NODE_PREFIX = 0x01;

  private MerkleTree() {}

  public static byte[] leafHash(byte[] leafInput) {
    return Sha256.hash(LEAF_PREFIX, leafInput);
  }

  public static byte[] nodeHash(byte[] left, byte[] right) {
    return Sha256.hash(NODE_PREFIX, left, right);
  }

  public static byte[] emptyRoot() {
    return Sha256.hash(new byte[0]);
  }

  /** Root over leaf hashes [0, size). */
  public static byte[] root(LongFunction<byte[]> leafHashes, long size) {
    CompactRange range = new CompactRange();
    for (long i = 0; i < size; i++) {
      range.append(leafHashes.apply(i));
    }
    return range.root();
  }

  /** MTH(D[start:end]) by the RFC's recursion; used for proof paths, which touch O(log n) subtrees. */
  static byte[] subtreeRoot(LongFunction<byte[]> leaves, long start, long end) {
    long n = end - start;
    if (n == 0) {
      return emptyRoot();
    }
    if (n == 1) {
      return leaves.apply(start);
    }
    long k = largestPowerOfTwoBelow(n);
    return nodeHash(subtreeRoot(leaves, start, start + k), subtreeRoot(leaves, start + k, end));
  }

  /** The largest power of two strictly less than n (n > 1). */
  static long largestPowerOfTwoBelow(long n) {
    return Long.highestOneBit(n - 1);
  }

  /** PATH(m, D[0:n]) of RFC 6962 2.1.1: the audit path for leaf index m in a tree of size n. */
  public static List<byte[]> inclusionProof(LongFunction<byte[]> leaves, long index, long size) {
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException("index " + index + " (expected: 0.." + (size - 1) + ")");
    }
    List<byte[]> proof = new ArrayList<>();
    path(leaves, index, 0, size, proof);
    return proof;
  }

  private static void path(LongFunction<byte[]> leaves, long m, long start, long end, List<byte[]> out) {
    long n = end - start;
    if (n <= 1) {
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m - start < k) {
      path(leaves, m, start, start + k, out);
      out.add(subtreeRoot(leaves, start + k, end));
    } else {
      path(leaves, m, start + k, end, out);
      out.add(subtreeRoot(leaves, start, start + k));
    }
  }

  /** PROOF(m, D[0:n]) of RFC 6962 2.1.2: proves the tree of size m is a prefix of the tree of size n. */
  public static List<byte[]> consistencyProof(LongFunction<byte[]> leaves, long m, long n) {
    if (m < 0 || m > n) {
      throw new IllegalArgumentException("sizes " + m + ", " + n + " (expected: 0 <= m <= n)");
    }
    List<byte[]> proof = new ArrayList<>();
    if (m == 0 || m == n) {
      return proof;
    }
    subproof(leaves, m, 0, n, true, proof);
    return proof;
  }

  private static void subproof(LongFunction<byte[]> leaves, long m, long start, long end, boolean b, List<byte[]> out) {
    long n = end - start;
    if (m == n) {
      if (!b) {
        out.add(subtreeRoot(leaves, start, end));
      }
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      subproof(leaves, m, start, start + k, b, out);
      out.add(subtreeRoot(leaves, start + k, end));
    } else {
      subproof(leaves, m - k, start + k, end, false, out);
      out.add(subtreeRoot(leaves, start, start + k));
    }
  }

  /** RFC 9162 2.1.3.2. Returns true when the proof links leafHash at index to root of a tree of size. */
  public static boolean verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
    if (index < 0 || index >= size || leafHash == null || root == null || leafHash.length != 32 || root.length != 32) {
      return false;
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (p == null || p.length != 32 || sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && Arrays.equals(r, root);
  }

  /**
   * RFC 9162 2.1.4.2. Returns true when the proof shows root1 (size1) is a prefix of root2 (size2).
   * A proof from the empty tree proves nothing and is refused, as in the reference implementation's
   * vectors; equal sizes need an empty proof and identical roots.
   */
  public static boolean verifyConsistency(long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) {
    if (size1 <= 0 || size2 < size1 || root1 == null || root2 == null) {
      return false;
    }
    if (size1 == size2) {
      return proof.isEmpty() && Arrays.equals(root1, root2);
    }
    if (root1.length != 32 || root2.length != 32 || proof.isEmpty()) {
      return false;
    }
    for (byte[] p : proof) {
      if (p == null || p.length != 32) {
        return false;
      }
    }
    List<byte[]> path = new ArrayList<>(proof);
    if (Long.bitCount(size1) == 1) {
      // size1 is an exact power of two: its root is the first node of the path.
      path.add(0, root1);
    }
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (int i = 1; i < path.size(); i++) {
      byte[] c = path.get(i);
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && Arrays.equals(fr, root1) && Arrays.equals(sr, root2);
  }
}
