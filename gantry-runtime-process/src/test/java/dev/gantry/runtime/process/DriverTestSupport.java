package dev.gantry.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.deploy.RuntimeDriver.InstanceSpec;
import dev.gantry.core.deploy.RuntimeDriver.InstanceStatus;
import dev.gantry.core.deploy.RuntimeDriver.State;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh runtime root per test under target/, drivers that are stopped and closed after the test, and the
 * no-orphans check: after every test no process carrying the marker of this test's root may remain.
 */
abstract class DriverTestSupport {
  /** The test service as a real JVM; small heap, no JIT tiers beyond C1 and no perf data file in /tmp. */
  static final List<String> JAVA_COMMAND = List.of("{java}", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1",
      "-XX:+UseSerialGC", "-Xmx48m", "-jar", "{artifact}");

  protected final MutableClock clock = new MutableClock(Instant.parse("2030-01-02T03:04:05Z"));
  protected Path root;
  private final List<ProcessRuntimeDriver> drivers = new ArrayList<>();
  private final List<ProcessHandle> foreign = new ArrayList<>();

  @BeforeEach
  void createRoot() throws IOException {
    root = Files.createTempDirectory(TestJars.tmp(), "runtime-");
  }

  @AfterEach
  void stopEverythingAndCheckForOrphans() throws IOException {
    for (ProcessRuntimeDriver d : drivers) {
      try {
        d.stopAll(Duration.ofSeconds(2));
      } catch (IllegalStateException closed) {
        // closed by the test; whoever adopted its instances stopped them above
      }
      d.close();
    }
    foreign.forEach(ProcessHandle::destroyForcibly);
    Map<ProcessHandle, String> left = ProcessTree.marked(instancesDir());
    left.keySet().forEach(ProcessHandle::destroyForcibly);
    deleteTree(root);
    assertThat(left).as("processes of this test's instances still running after its drivers stopped all").isEmpty();
  }

  /** Supervision every 50 ms, backoff 1 s doubling to 30 s, drift checks only on demand. */
  static ProcessRuntimeDriver.Options options() {
    return ProcessRuntimeDriver.Options.defaults()
        .withStopGrace(Duration.ofSeconds(5))
        .withRestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30))
        .withSupervisionInterval(Duration.ofMillis(50))
        .withDriftCheckInterval(Duration.ofHours(1));
  }

  ProcessRuntimeDriver driver() {
    return driver(clock, options());
  }

  ProcessRuntimeDriver driver(Clock c, ProcessRuntimeDriver.Options o) {
    ProcessRuntimeDriver d = new ProcessRuntimeDriver(root, c, o);
    drivers.add(d);
    return d;
  }

  /** Remembers a process the test started itself, so that it is killed after the test. */
  ProcessHandle foreign(Process p) {
    foreign.add(p.toHandle());
    return p.toHandle();
  }

  Path instancesDir() {
    return root.resolve("instances");
  }

  Path instanceDir(String id) {
    return instancesDir().resolve(id);
  }

  Path copyOf(String id) throws IOException {
    try (var files = Files.list(instanceDir(id).resolve("artifact"))) {
      return files.findFirst().orElseThrow();
    }
  }

  static String digestOf(Path file) throws IOException {
    return Digests.sha256(file);
  }

  /** The test service, {@code SERVICE_VERSION=v1}. */
  static InstanceSpec serviceSpec(String id) throws IOException {
    Path jar = TestJars.testService();
    return new InstanceSpec(id, "pricing", "v1", "A-000001", jar, digestOf(jar), JAVA_COMMAND,
        Map.of("SERVICE_VERSION", "v1"));
  }

  /** A non-HTTP instance: the argv given (placeholders allowed), the test jar as its artifact. */
  static InstanceSpec commandSpec(String id, List<String> command) throws IOException {
    Path jar = TestJars.testService();
    return new InstanceSpec(id, "batch", "v1", "A-000002", jar, digestOf(jar), command, Map.of());
  }

  static InstanceSpec sleepSpec(String id) throws IOException {
    return commandSpec(id, List.of("sleep", "1000"));
  }

  static void awaitHealthy(int port) {
    Await.until("GET /health on port " + port + " to answer 200",
        () -> Http.get(port, "/health").filter(r -> r.status() == 200).isPresent());
  }

  static InstanceStatus awaitState(ProcessRuntimeDriver d, String id, State state) {
    Await.until("instance " + id + " to be " + state + " (is " + d.inspect(id).map(InstanceStatus::state) + ")",
        () -> d.inspect(id).map(s -> s.state() == state).orElse(false));
    return d.inspect(id).orElseThrow();
  }

  static void awaitLog(ProcessRuntimeDriver d, String id, String text) {
    Await.until("a line containing \"" + text + "\" in the output of " + id,
        () -> d.logs(id, 1000).stream().anyMatch(l -> l.contains(text)));
  }

  /** SIGKILL, as a crash would end it, then wait until it is gone. */
  static void killAndAwait(long pid) {
    ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
    h.destroyForcibly();
    Await.until("pid " + pid + " to exit", () -> !h.isAlive());
  }

  static boolean isAlive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Makes the copy writable and flips one byte in it. */
  static void tamper(Path copy) throws IOException {
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
    byte[] bytes = Files.readAllBytes(copy);
    bytes[bytes.length / 2] ^= 1;
    Files.write(copy, bytes);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------")); // artifact/ is 0555
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
