package dev.gantry.runtime.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * One instance's folder:
 *
 * <pre>
 * instances/&lt;id&gt;/
 *   instance.json        state for recover() (0600: holds the spec's env)
 *   artifact/            0555 once installed
 *     &lt;file name&gt;        the copy that runs, 0444, checked by digest
 *   work/                the process's working directory and $HOME
 *   logs/output.log      stdout + stderr, rotated to output.log.1 … .N
 * </pre>
 */
final class InstanceDirectory {
  static final String STATE_FILE = "instance.json";
  static final Set<PosixFilePermission> READ_ONLY_FILE = PosixFilePermissions.fromString("r--r--r--");
  static final Set<PosixFilePermission> READ_ONLY_DIR = PosixFilePermissions.fromString("r-xr-xr-x");
  private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwxr-xr-x");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

  final String id;
  final Path dir;
  final Path artifactDir;
  final Path work;
  final Path logs;
  final Path stateFile;

  private InstanceDirectory(Path instancesDir, String id) {
    this.id = id;
    this.dir = instancesDir.resolve(id);
    this.artifactDir = dir.resolve("artifact");
    this.work = dir.resolve("work");
    this.logs = dir.resolve("logs");
    this.stateFile = dir.resolve(STATE_FILE);
  }

  /** An existing (or not) folder; nothing is created. */
  static InstanceDirectory of(Path instancesDir, String id) {
    return new InstanceDirectory(instancesDir, id);
  }

  /**
   * Creates the folder for a new instance. Creating {@code instances/<id>} is atomic, so two starts with one id
   * cannot both succeed.
   *
   * @throws IllegalStateException when the id was used before (its folder exists)
   */
  static InstanceDirectory create(Path instancesDir, String id) throws IOException {
    InstanceDirectory d = new InstanceDirectory(instancesDir, id);
    try {
      Files.createDirectory(d.dir);
    } catch (FileAlreadyExistsException e) {
      throw new IllegalStateException("instance id " + id + " is already used: " + d.dir
          + " exists (expected: a new id; cleanup(id) removes a stopped instance's folder)");
    }
    try {
      Files.createDirectory(d.artifactDir);
      Files.createDirectory(d.work);
      Files.createDirectory(d.logs);
    } catch (IOException e) {
      d.delete(); // nothing half-made stays behind to block the id
      throw e;
    }
    return d;
  }

  Path artifact(String fileName) {
    return artifactDir.resolve(fileName);
  }

  /** Copies the artifact in, then makes the copy 0444 and {@code artifact/} 0555. Returns the copy. */
  Path installArtifact(Path source, String fileName) throws IOException {
    Path copy = artifact(fileName);
    Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(copy, READ_ONLY_FILE);
    Files.setPosixFilePermissions(artifactDir, READ_ONLY_DIR);
    return copy;
  }

  /** The copy's file key (device and inode on Unix), as text; empty when the file system has none. */
  static Optional<String> fileKey(Path file) throws IOException {
    Object key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    return Optional.ofNullable(key).map(Object::toString);
  }

  /**
   * Why the copy no longer is what was installed, or empty when it still is: missing, another digest, another
   * file (replaced), or no longer read-only. The digest is read from disk every time (it is the proof).
   */
  static Optional<String> verify(Path copy, String expectedHex, String expectedFileKey) throws IOException {
    if (!Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.of("artifact copy " + copy + " is missing (expected: a read-only regular file)");
    }
    String actual = Digests.sha256(copy);
    if (!actual.equals(expectedHex)) {
      return Optional.of("artifact copy " + copy + " has sha256 " + actual + " (expected: " + expectedHex + ")");
    }
    PosixFileAttributes attrs = Files.readAttributes(copy, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    String key = attrs.fileKey() == null ? null : attrs.fileKey().toString();
    if (expectedFileKey != null && !expectedFileKey.equals(key)) {
      return Optional.of("artifact copy " + copy + " was replaced: file " + key + " (expected: " + expectedFileKey
          + ", the file installed at start)");
    }
    if (!attrs.permissions().equals(READ_ONLY_FILE)) {
      return Optional.of("artifact copy " + copy + " has mode " + PosixFilePermissions.toString(attrs.permissions())
          + " (expected: r--r--r--)");
    }
    return Optional.empty();
  }

  /** Writes {@code instance.json} atomically (temp file, fsync, rename) with mode 0600. */
  void write(InstanceRecord record) throws IOException {
    Path tmp = dir.resolve(STATE_FILE + ".tmp");
    byte[] bytes = record.toJson().getBytes(StandardCharsets.UTF_8);
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true); // the record must survive a power cut that the process it names survives
    }
    Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Reads {@code instance.json}, or empty when there is none. */
  Optional<InstanceRecord> read() throws IOException {
    try {
      return Optional.of(InstanceRecord.fromJson(Files.readString(stateFile, StandardCharsets.UTF_8)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Removes the whole folder; {@code artifact/} is made writable first so that non-root owners can delete it. */
  void delete() throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(artifactDir, LinkOption.NOFOLLOW_LINKS)) {
      Files.setPosixFilePermissions(artifactDir, OWNER_DIR);
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
