package dev.gantry.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Fresh directories under {@code target/}. Surefire sets the {@code java.io.tmpdir} system property to
 * the build directory, but on current JDKs {@code Files.createTempDirectory} (and so {@code @TempDir})
 * keep using the JVM's startup value ({@code /tmp}); reading the property ourselves keeps test data
 * inside the module.
 */
public final class TestDirs {
  private TestDirs() {}

  public static Path fresh(String prefix) {
    Path root = Path.of(System.getProperty("java.io.tmpdir"), "gantry-server-tests");
    try {
      Files.createDirectories(root);
      return Files.createDirectory(root.resolve(prefix + "-" + UUID.randomUUID()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
