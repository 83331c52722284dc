package dev.gantry.core.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers. A {@link MessageDigest} is not thread-safe, so each thread keeps its own. */
public final class Sha256 {
  private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Sha256::newDigest);
  private static final HexFormat HEX = HexFormat.of();

  private Sha256() {}

  /** A fresh SHA-256 digest. */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  public static byte[] hash(byte[] data) {
    MessageDigest d = DIGEST.get();
    d.reset();
    return d.digest(data);
  }

  /** SHA-256(prefix || data). */
  public static byte[] hash(byte prefix, byte[] data) {
    MessageDigest d = DIGEST.get();
    d.reset();
    d.update(prefix);
    return d.digest(data);
  }

  /** SHA-256(prefix || left || right). */
  public static byte[] hash(byte prefix, byte[] left, byte[] right) {
    MessageDigest d = DIGEST.get();
    d.reset();
    d.update(prefix);
    d.update(left);
    return d.digest(right);
  }

  public static String hex(byte[] b) {
    return HEX.formatHex(b);
  }

  public static byte[] unhex(String s) {
    return HEX.parseHex(s);
  }
}
