package dev.gantry.runtime.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds and ends the processes of an instance.
 *
 * <p>Every process the driver starts gets {@value #MARKER}{@code =<instance folder>} in its environment, and
 * its children inherit it. On Linux the driver finds them again by reading {@code /proc/<pid>/environ}, which
 * catches what {@link ProcessHandle#descendants()} cannot: children whose parent already died (they were
 * re-parented to init), and a process started just before the server crashed and before its pid was recorded.
 * Elsewhere {@link #marked} finds nothing and the driver relies on descendants alone.
 */
final class ProcessTree {
  /** Environment variable naming the instance folder; set by the driver, inherited by every child. */
  static final String MARKER = "GANTRY_INSTANCE_DIR";

  private static final Path PROC = Path.of("/proc");

  private ProcessTree() {}

  /**
   * Live processes (other than this JVM) whose environment carries a marker for a folder directly under
   * {@code instancesDir}, each with the instance id (the folder's name).
   */
  static Map<ProcessHandle, String> marked(Path instancesDir) {
    Map<ProcessHandle, String> out = new LinkedHashMap<>();
    if (!Files.isDirectory(PROC)) {
      return out;
    }
    String prefix = MARKER + "=" + instancesDir.toAbsolutePath().normalize() + "/";
    long self = ProcessHandle.current().pid();
    try (DirectoryStream<Path> pids = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
      for (Path p : pids) {
        long pid = Long.parseLong(p.getFileName().toString());
        if (pid == self) {
          continue;
        }
        markerValue(p, prefix).ifPresent(id -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
            .ifPresent(h -> out.put(h, id)));
      }
    } catch (IOException e) {
      // /proc vanished or is unreadable: nothing to find, and the caller still kills the descendants it knows
    }
    return out;
  }

  /** Live processes carrying the marker of one instance folder. */
  static List<ProcessHandle> marked(Path instancesDir, String instanceId) {
    List<ProcessHandle> out = new ArrayList<>();
    marked(instancesDir).forEach((h, id) -> {
      if (id.equals(instanceId)) {
        out.add(h);
      }
    });
    return out;
  }

  /** The value after the prefix when the environment has it and it names a direct sub-folder. */
  private static Optional<String> markerValue(Path procDir, String prefix) {
    byte[] env;
    try {
      env = Files.readAllBytes(procDir.resolve("environ"));
    } catch (IOException | SecurityException e) {
      return Optional.empty(); // exited meanwhile, or another user's process: not ours either way
    }
    String text = new String(env, StandardCharsets.UTF_8);
    for (String entry : text.split("\0")) {
      if (entry.startsWith(prefix)) {
        String id = entry.substring(prefix.length());
        return id.isEmpty() || id.contains("/") ? Optional.empty() : Optional.of(id);
      }
    }
    return Optional.empty();
  }

  private static boolean isNumber(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * SIGKILLs every process given that is still alive, then waits up to {@code wait} for them to be gone.
   *
   * @return the ones still alive after the wait (normally none)
   */
  static List<ProcessHandle> killForcibly(Collection<ProcessHandle> handles, Duration wait) {
    for (ProcessHandle h : handles) {
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
    long deadline = System.nanoTime() + wait.toNanos();
    List<ProcessHandle> alive = new ArrayList<>();
    for (ProcessHandle h : handles) {
      if (!awaitExit(h, deadline)) {
        alive.add(h);
      }
    }
    return alive;
  }

  /** Waits until the process has exited or the deadline ({@link System#nanoTime()}) passed; true when it exited. */
  static boolean awaitExit(ProcessHandle h, long deadlineNanos) {
    if (!h.isAlive()) {
      return true;
    }
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      return !h.isAlive();
    }
    try {
      h.onExit().get(remaining, TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return !h.isAlive();
    } catch (ExecutionException e) {
      return !h.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !h.isAlive();
    }
  }
}
