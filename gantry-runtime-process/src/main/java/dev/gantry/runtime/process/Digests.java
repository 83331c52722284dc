package dev.gantry.runtime.process;

import dev.gantry.core.merkle.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.regex.Pattern;

/** SHA-256 of files, streamed, and the digest spellings the driver accepts. */
final class Digests {
  private static final Pattern HEX_64 = Pattern.compile("[0-9a-f]{64}");
  private static final String PREFIX = "sha256:";

  /** 64 KiB reads: large enough that a 100 MB jar takes ~1600 reads, small enough to stay off the heap's radar. */
  private static final int BUFFER = 64 * 1024;

  private Digests() {}

  /** Lower-case hex SHA-256 of the file's bytes. */
  static String sha256(Path file) throws IOException {
    MessageDigest md = Sha256.newDigest();
    ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (ch.read(buf) >= 0) {
        buf.flip();
        md.update(buf);
        buf.clear();
      }
    }
    return Sha256.hex(md.digest());
  }

  /**
   * The bare lower-case hex of a digest given as {@code <hex>} or {@code sha256:<hex>} (either case).
   *
   * @throws IllegalArgumentException naming the value when it is not a SHA-256 digest
   */
  static String normalize(String digest) {
    if (digest == null) {
      throw new IllegalArgumentException("digest: null (expected: 64 hex characters of SHA-256, optionally prefixed sha256:)");
    }
    String d = digest.toLowerCase(Locale.ROOT);
    if (d.startsWith(PREFIX)) {
      d = d.substring(PREFIX.length());
    }
    if (!HEX_64.matcher(d).matches()) {
      throw new IllegalArgumentException(
          "digest: " + digest + " (expected: 64 hex characters of SHA-256, optionally prefixed sha256:)");
    }
    return d;
  }
}
