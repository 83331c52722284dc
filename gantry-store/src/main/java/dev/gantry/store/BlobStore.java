package dev.gantry.store;

import dev.gantry.core.merkle.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Content-addressed, read-only files: {@code DIR/sha256/ab/abcdef…}. A write streams into a temporary
 * file while hashing, stops at the size limit, and is moved into place only when complete; a failed or
 * interrupted write leaves nothing behind. Stored files are made read-only (0444).
 */
public final class BlobStore {
  private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

  private final Path root;
  private final Path tmp;

  public BlobStore(Path root) {
    this.root = root;
    this.tmp = root.resolve("tmp");
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new StoreException("cannot create " + tmp + ": " + e.getMessage(), e);
    }
  }

  /** Thrown when a stream passes the limit; nothing was stored. */
  public static final class TooLarge extends IOException {
    public TooLarge(long limit) {
      super("upload is over the limit of " + limit + " bytes");
    }
  }

  /** A stored blob. */
  public record Blob(String sha256, long size, Path path) {}

  public static boolean isDigest(String s) {
    return s != null && DIGEST.matcher(s).matches();
  }

  /** Streams in into the store; returns its digest and size. */
  public Blob put(InputStream in, long limit) throws IOException {
    Path t = Files.createTempFile(tmp, "upload-", ".part");
    try {
      MessageDigest md = Sha256.newDigest();
      long n = 0;
      byte[] buf = new byte[1 << 16];
      try (OutputStream out = Files.newOutputStream(t)) {
        for (int r; (r = in.read(buf)) > 0; ) {
          n += r;
          if (n > limit) {
            throw new TooLarge(limit);
          }
          md.update(buf, 0, r);
          out.write(buf, 0, r);
        }
      }
      String digest = Sha256.hex(md.digest());
      Path target = path(digest);
      Files.createDirectories(target.getParent());
      if (!Files.exists(target)) {
        try {
          Files.move(t, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
          // someone stored the same bytes at the same time: theirs is identical
        }
        readOnly(target);
      }
      return new Blob(digest, n, target);
    } finally {
      Files.deleteIfExists(t);
    }
  }

  /** Stores an existing file (e.g. a stamped copy) by moving it in. */
  public Blob putFile(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return put(in, Long.MAX_VALUE);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  public Optional<Blob> get(String sha256) throws IOException {
    if (!isDigest(sha256)) {
      return Optional.empty();
    }
    Path p = path(sha256);
    return Files.exists(p) ? Optional.of(new Blob(sha256, Files.size(p), p)) : Optional.empty();
  }

  /** A scratch file in the store's temporary area (same file system, so moves are atomic). */
  public Path scratch(String suffix) throws IOException {
    return Files.createTempFile(tmp, "work-", suffix);
  }

  private Path path(String digest) {
    return root.resolve("sha256").resolve(digest.substring(0, 2)).resolve(digest);
  }

  private static void readOnly(Path p) throws IOException {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r--r--r--"));
    } catch (UnsupportedOperationException e) {
      p.toFile().setReadOnly();
    }
  }
}
