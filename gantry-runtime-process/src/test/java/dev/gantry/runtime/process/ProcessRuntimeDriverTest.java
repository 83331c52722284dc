package dev.gantry.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.assertj.core.api.Assumptions.assumeThatCode;

import dev.gantry.core.deploy.RuntimeDriver.InstanceSpec;
import dev.gantry.core.deploy.RuntimeDriver.InstanceStatus;
import dev.gantry.core.deploy.RuntimeDriver.State;
import dev.gantry.core.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

class ProcessRuntimeDriverTest extends DriverTestSupport {

  // ---------------------------------------------------------------------------------------------- start

  @Test
  void startRunsTheServiceOnTheReportedPortFromAReadOnlyCopy() throws Exception {
    ProcessRuntimeDriver driver = driver();
    InstanceSpec spec = serviceSpec("pricing-A-000001-1");

    InstanceStatus s = driver.start(spec);

    assertThat(s.state()).isEqualTo(State.RUNNING);
    assertThat(s.host()).isEqualTo("127.0.0.1");
    assertThat(s.port()).isPositive();
    assertThat(s.pid()).isPositive();
    assertThat(s.digest()).isEqualTo(spec.digest());
    assertThat(s.startedAt()).isEqualTo(clock.instant());
    assertThat(s.restarts()).isZero();
    assertThat(s.drifted()).isFalse();
    awaitHealthy(s.port());
    assertThat(Http.get(s.port(), "/version")).hasValueSatisfying(r -> assertThat(r.body()).isEqualTo("v1"));
    assertThat(Http.get(s.port(), "/env?PORT")).hasValueSatisfying(r -> assertThat(r.body()).isEqualTo("" + s.port()));
    Path work = instanceDir(spec.instanceId()).resolve("work");
    assertThat(Http.get(s.port(), "/env?HOME")).hasValueSatisfying(r -> assertThat(r.body()).isEqualTo(work.toString()));

    Path copy = copyOf(spec.instanceId());
    assertThat(copy.getFileName()).isEqualTo(spec.artifact().getFileName());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("r--r--r--");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy.getParent()))).isEqualTo("r-xr-xr-x");
    assertThat(digestOf(copy)).isEqualTo(spec.digest());

    awaitLog(driver, spec.instanceId(), "test-service listening on " + s.port());
    awaitLog(driver, spec.instanceId(), "stderr is captured too");
  }

  @Test
  void startWritesAStateFileThatNamesTheProcessAndItsStartInstant() throws Exception {
    ProcessRuntimeDriver driver = driver();
    InstanceStatus s = driver.start(sleepSpec("batch-1"));

    Path stateFile = instanceDir("batch-1").resolve("instance.json");
    Map<String, Object> json = Json.parseObject(Files.readString(stateFile, StandardCharsets.UTF_8));
    Instant processStart = ProcessHandle.of(s.pid()).orElseThrow().info().startInstant().orElseThrow();

    assertThat(json).containsEntry("id", "batch-1").containsEntry("service", "batch").containsEntry("version", "v1")
        .containsEntry("serial", "A-000002").containsEntry("digest", s.digest()).containsEntry("pid", s.pid())
        .containsEntry("port", (long) s.port()).containsEntry("processStart", processStart.toString())
        .containsEntry("state", "RUNNING").containsEntry("command", List.of("sleep", "1000"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateFile))).isEqualTo("rw-------");
  }

  @Test
  void startRunsTheExamplePricingServiceWhenItHasBeenBuilt() throws Exception {
    Path built = Path.of("..", "examples", "pricing-service", "target", "pricing-service.jar");
    assumeThat(built).as("examples/pricing-service built (./mvnw -pl examples/pricing-service install)").isRegularFile();
    // A private copy: another build may rewrite the original while this test runs.
    Path jar = Files.copy(built, Files.createTempFile(TestJars.tmp(), "pricing-service-", ".jar"),
        StandardCopyOption.REPLACE_EXISTING);
    try {
      assumeThatCode(() -> new JarFile(jar.toFile()).close()).as("a complete jar, not one being rebuilt")
          .doesNotThrowAnyException();
      ProcessRuntimeDriver driver = driver();
      InstanceStatus s = driver.start(new InstanceSpec("pricing-example-1", "pricing", "v1", "unregistered", jar,
          "sha256:" + digestOf(jar), List.of("{java}", "-XX:-UsePerfData", "-jar", "{artifact}"), Map.of()));

      awaitHealthy(s.port());
      assertThat(Http.get(s.port(), "/health")).hasValueSatisfying(r -> assertThat(r.body()).contains("UP"));
      assertThat(Http.get(s.port(), "/version")).hasValueSatisfying(r -> assertThat(r.body()).contains("serial"));
      awaitLog(driver, "pricing-example-1", "listening on " + s.port());
    } finally {
      Files.deleteIfExists(jar);
    }
  }

  @Test
  void startRefusesAnArtifactWhoseDigestDiffersAndRunsNothing() throws Exception {
    ProcessRuntimeDriver driver = driver();
    Path sentinel = root.resolve("it-ran");
    InstanceSpec good = commandSpec("batch-1", List.of("sh", "-c", "touch " + sentinel + "; sleep 1000"));
    String wrong = "0".repeat(64);
    InstanceSpec bad = new InstanceSpec(good.instanceId(), good.service(), good.version(), good.serial(),
        good.artifact(), wrong, good.command(), good.env());

    assertThatThrownBy(() -> driver.start(bad))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("digest mismatch for instance batch-1")
        .hasMessageContaining(good.digest())
        .hasMessageContaining(wrong);

    assertThat(driver.inspect("batch-1")).isEmpty();
    assertThat(driver.list()).isEmpty();
    assertThat(instanceDir("batch-1")).doesNotExist();
    assertThat(ProcessTree.marked(instancesDir())).isEmpty();
    assertThat(sentinel).doesNotExist();
  }

  @Test
  void startRefusesIdsThatAreNotSafeFolderNamesAndMalformedSpecs() throws Exception {
    ProcessRuntimeDriver driver = driver();
    for (String id : List.of("../escape", "a b", "", ".", "..", "a/b", "pricing:1")) {
      InstanceSpec spec = sleepSpec("x");
      assertThatThrownBy(() -> driver.start(new InstanceSpec(id, spec.service(), spec.version(), spec.serial(),
          spec.artifact(), spec.digest(), spec.command(), spec.env())))
          .as("id %s", id)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("instanceId: " + id + " (expected: [a-zA-Z0-9._-]+");
    }
    InstanceSpec s = sleepSpec("ok-id");
    assertThatThrownBy(() -> driver.start(new InstanceSpec("ok-id", "batch", "v1", "A-1", s.artifact(), "abc",
        s.command(), Map.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("digest: abc (expected: 64 hex");
    assertThatThrownBy(() -> driver.start(new InstanceSpec("ok-id", "batch", "v1", "A-1", s.artifact(), s.digest(),
        List.of(), Map.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("command: []");
    assertThatThrownBy(() -> driver.start(new InstanceSpec("ok-id", "batch", "v1", "A-1", s.artifact(), s.digest(),
        s.command(), Map.of("PORT", "80"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("env: PORT=80");
    assertThatThrownBy(() -> driver.start(new InstanceSpec("ok-id", "batch", "v1", "A-1", root.resolve("missing.jar"),
        s.digest(), s.command(), Map.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.jar (expected: an existing");
    assertThat(Files.list(instancesDir()).toList()).isEmpty();
  }

  @Test
  void startRefusesAnIdUsedBeforeUntilItsFolderIsCleanedUp() throws Exception {
    ProcessRuntimeDriver driver = driver();
    driver.start(sleepSpec("batch-1"));
    driver.stop("batch-1", Duration.ofSeconds(5));

    assertThatThrownBy(() -> driver.start(sleepSpec("batch-1")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("instance id batch-1 is already used");

    driver.cleanup("batch-1");
    assertThat(driver.start(sleepSpec("batch-1")).state()).isEqualTo(State.RUNNING);
  }

  @Test
  void startFailsCleanlyWhenTheProgramDoesNotExist() throws Exception {
    ProcessRuntimeDriver driver = driver();

    assertThatThrownBy(() -> driver.start(commandSpec("batch-1", List.of(root.resolve("no-such-program").toString()))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot start instance batch-1");
    assertThat(driver.inspect("batch-1")).isEmpty();
    assertThat(instanceDir("batch-1")).doesNotExist();
  }

  // ---------------------------------------------------------------------------------------------- stop

  @Test
  void stopSendsSigtermWhichTheServiceHonoursAndKeepsTheLogs() throws Exception {
    ProcessRuntimeDriver driver = driver();
    InstanceStatus s = driver.start(serviceSpec("pricing-1"));
    awaitHealthy(s.port());
    awaitLog(driver, "pricing-1", "listening");

    long t0 = System.nanoTime();
    driver.stop("pricing-1", Duration.ofSeconds(60));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    InstanceStatus stopped = driver.inspect("pricing-1").orElseThrow();
    assertThat(stopped.state()).isEqualTo(State.STOPPED);
    assertThat(stopped.exitCode()).as("128 + SIGTERM(15)").isEqualTo(143);
    assertThat(took).isLessThan(Duration.ofSeconds(60));
    assertThat(isAlive(s.pid())).isFalse();
    assertThat(driver.logs("pricing-1", 10)).anyMatch(l -> l.contains("listening"));
    assertThat(instanceDir("pricing-1")).isDirectory();
    assertThat(Files.readString(instanceDir("pricing-1").resolve("instance.json"))).contains("\"STOPPED\"");
  }

  @Test
  void stopSigkillsAProcessThatIgnoresSigtermAfterTheGraceAndItsChildrenToo() throws Exception {
    ProcessRuntimeDriver driver = driver();
    InstanceStatus s = driver.start(commandSpec("stubborn-1", List.of("sh", "-c", "trap '' TERM; echo ready; sleep 1000")));
    awaitLog(driver, "stubborn-1", "ready"); // the trap is in place before the signal comes
    ProcessHandle shell = ProcessHandle.of(s.pid()).orElseThrow();
    Await.until("the shell's sleep child", () -> shell.descendants().findAny().isPresent());
    List<ProcessHandle> children = shell.descendants().toList();

    long t0 = System.nanoTime();
    driver.stop("stubborn-1", Duration.ofMillis(500));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    InstanceStatus stopped = driver.inspect("stubborn-1").orElseThrow();
    assertThat(stopped.state()).isEqualTo(State.STOPPED);
    assertThat(stopped.exitCode()).as("128 + SIGKILL(9)").isEqualTo(137);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(shell.isAlive()).isFalse();
    assertThat(children).isNotEmpty().noneMatch(ProcessHandle::isAlive);
  }

  @Test
  void stopOfAnUnknownInstanceIsIgnoredAndStopIsIdempotent() throws Exception {
    ProcessRuntimeDriver driver = driver();
    driver.stop("nobody", Duration.ofSeconds(1));
    driver.start(sleepSpec("batch-1"));
    driver.stop("batch-1", Duration.ofSeconds(5));
    driver.stop("batch-1", Duration.ofSeconds(5));

    assertThat(driver.inspect("batch-1").orElseThrow().state()).isEqualTo(State.STOPPED);
    assertThat(driver.inspect("batch-1").orElseThrow().exitCode()).isEqualTo(143);
  }

  @Test
  void stopAllStopsEveryInstanceWithinOneGracePeriod() throws Exception {
    ProcessRuntimeDriver driver = driver();
    InstanceStatus a = driver.start(sleepSpec("batch-a"));
    InstanceStatus b = driver.start(commandSpec("batch-b", List.of("sh", "-c", "trap '' TERM; echo ready; sleep 1000")));
    awaitLog(driver, "batch-b", "ready");

    long t0 = System.nanoTime();
    driver.stopAll(Duration.ofMillis(800));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertThat(driver.list()).extracting(InstanceStatus::state).containsOnly(State.STOPPED);
    assertThat(isAlive(a.pid())).isFalse();
    assertThat(isAlive(b.pid())).isFalse();
    assertThat(took).as("one grace for all, not one each").isLessThan(Duration.ofMillis(800).plus(ProcessRuntimeDriver.KILL_WAIT));
  }

  // ---------------------------------------------------------------------------------------------- supervision

  @Test
  void aCrashedInstanceIsRestartedWithExponentialBackoffAndTheRestartsAreCounted() throws Exception {
    ProcessRuntimeDriver driver = driver(clock, options().withRestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2)));
    InstanceStatus first = driver.start(serviceSpec("pricing-1"));
    awaitHealthy(first.port());

    killAndAwait(first.pid());
    InstanceStatus crashed = awaitState(driver, "pricing-1", State.EXITED);
    assertThat(crashed.exitCode()).as("128 + SIGKILL(9)").isEqualTo(137);
    assertThat(crashed.restarts()).isZero();

    clock.advance(Duration.ofMillis(999));
    driver.superviseOnce();
    assertThat(driver.inspect("pricing-1").orElseThrow().state()).as("backoff 1 s not over").isEqualTo(State.EXITED);

    clock.advance(Duration.ofMillis(1));
    driver.superviseOnce();
    InstanceStatus second = driver.inspect("pricing-1").orElseThrow();
    assertThat(second.state()).isEqualTo(State.RUNNING);
    assertThat(second.restarts()).isEqualTo(1);
    assertThat(second.pid()).isNotEqualTo(first.pid());
    assertThat(second.port()).as("the old port was free").isEqualTo(first.port());
    assertThat(second.startedAt()).isEqualTo(clock.instant());
    assertThat(second.exitCode()).isNull();
    awaitHealthy(second.port());

    killAndAwait(second.pid());
    awaitState(driver, "pricing-1", State.EXITED);
    clock.advance(Duration.ofSeconds(1));
    driver.superviseOnce();
    assertThat(driver.inspect("pricing-1").orElseThrow().state()).as("second backoff is 2 s").isEqualTo(State.EXITED);
    clock.advance(Duration.ofSeconds(1));
    driver.superviseOnce();
    InstanceStatus third = driver.inspect("pricing-1").orElseThrow();
    assertThat(third.state()).isEqualTo(State.RUNNING);
    assertThat(third.restarts()).isEqualTo(2);
    awaitHealthy(third.port());
  }

  @Test
  void aRestartMovesToANewPortWhenTheOldOneIsTaken() throws Exception {
    ProcessRuntimeDriver driver = driver();
    InstanceStatus first = driver.start(serviceSpec("pricing-1"));
    awaitHealthy(first.port());
    killAndAwait(first.pid());
    awaitState(driver, "pricing-1", State.EXITED);

    try (ServerSocket squatter = new ServerSocket()) {
      squatter.setReuseAddress(true); // the dead instance's connections may linger in TIME_WAIT on that port
      squatter.bind(new InetSocketAddress(LoopbackPorts.LOOPBACK, first.port()), 1);
      clock.advance(Duration.ofSeconds(1));
      driver.superviseOnce();
      InstanceStatus second = driver.inspect("pricing-1").orElseThrow();

      assertThat(second.state()).isEqualTo(State.RUNNING);
      assertThat(second.port()).isNotEqualTo(first.port()).isPositive();
      awaitHealthy(second.port());
    }
  }

  @Test
  void theSupervisorRestartsACrashedInstanceOnItsOwn() throws Exception {
    ProcessRuntimeDriver driver = driver(Clock.systemUTC(),
        options().withRestartBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)));
    InstanceStatus first = driver.start(sleepSpec("batch-1"));

    killAndAwait(first.pid());

    Await.until("the supervisor to restart batch-1", () -> driver.inspect("batch-1")
        .filter(s -> s.state() == State.RUNNING && s.restarts() == 1).isPresent());
    assertThat(isAlive(driver.inspect("batch-1").orElseThrow().pid())).isTrue();
  }

  @Test
  void theBackoffDoublesUpToTheMaximum() {
    ProcessRuntimeDriver driver = driver();
    assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 100).stream().map(driver::backoff).map(Duration::toSeconds))
        .containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
  }

  // ---------------------------------------------------------------------------------------------- drift

  @Test
  void checkDriftMarksAnInstanceWhoseCopyHadOneByteChanged() throws Exception {
    ProcessRuntimeDriver driver = driver();
    driver.start(sleepSpec("batch-1"));
    driver.start(sleepSpec("batch-2"));
    assertThat(driver.checkDrift()).isEmpty();

    tamper(copyOf("batch-1"));
    List<InstanceStatus> drifted = driver.checkDrift();

    assertThat(drifted).extracting(InstanceStatus::instanceId).containsExactly("batch-1");
    InstanceStatus s = driver.inspect("batch-1").orElseThrow();
    assertThat(s.drifted()).isTrue();
    assertThat(s.state()).as("replacing it is the control plane's job").isEqualTo(State.RUNNING);
    String copy = copyOf("batch-1").toString();
    assertThat(driver.driftReason("batch-1")).hasValueSatisfying(r -> assertThat(r)
        .contains(copy).contains("has sha256").contains("(expected: " + s.digest() + ")"));
    assertThat(driver.inspect("batch-2").orElseThrow().drifted()).isFalse();
    assertThat(Files.readString(instanceDir("batch-1").resolve("instance.json"))).contains("\"drifted\": true");
  }

  @Test
  void checkDriftCatchesAReplacedAMissingAndAWritableCopy() throws Exception {
    ProcessRuntimeDriver driver = driver();
    driver.start(sleepSpec("replaced"));
    driver.start(sleepSpec("missing"));
    driver.start(sleepSpec("writable"));

    Path replaced = copyOf("replaced");
    Files.setPosixFilePermissions(replaced.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    Path same = Files.copy(replaced, root.resolve("same-bytes"));
    Files.setPosixFilePermissions(same, PosixFilePermissions.fromString("r--r--r--"));
    Files.move(same, replaced, StandardCopyOption.REPLACE_EXISTING); // identical bytes, another file
    Path missing = copyOf("missing");
    Files.setPosixFilePermissions(missing.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.delete(missing);
    Files.setPosixFilePermissions(copyOf("writable"), PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(driver.checkDrift()).extracting(InstanceStatus::instanceId)
        .containsExactlyInAnyOrder("replaced", "missing", "writable");
    assertThat(driver.driftReason("replaced")).hasValueSatisfying(r -> assertThat(r).contains("was replaced"));
    assertThat(driver.driftReason("missing")).hasValueSatisfying(r -> assertThat(r).contains("is missing"));
    assertThat(driver.driftReason("writable")).hasValueSatisfying(r -> assertThat(r).contains("has mode rw-r--r--"));
  }

  @Test
  void theDriftCheckAlsoRunsOnItsOwn() throws Exception {
    ProcessRuntimeDriver driver = driver(clock, options().withDriftCheckInterval(Duration.ofMillis(50)));
    driver.start(sleepSpec("batch-1"));

    tamper(copyOf("batch-1"));

    Await.until("the periodic drift check to mark batch-1",
        () -> driver.inspect("batch-1").map(InstanceStatus::drifted).orElse(false));
  }

  @Test
  void aDriftedInstanceIsNotRestartedAfterACrash() throws Exception {
    ProcessRuntimeDriver driver = driver();
    InstanceStatus s = driver.start(sleepSpec("batch-1"));
    killAndAwait(s.pid());
    awaitState(driver, "batch-1", State.EXITED);

    tamper(copyOf("batch-1")); // between the crash and the restart: the restart re-checks the digest
    clock.advance(Duration.ofMinutes(1));
    driver.superviseOnce();

    InstanceStatus after = driver.inspect("batch-1").orElseThrow();
    assertThat(after.state()).isEqualTo(State.EXITED);
    assertThat(after.restarts()).isZero();
    assertThat(after.drifted()).isTrue();
    assertThat(ProcessTree.marked(instancesDir())).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------- logs

  @Test
  void outputIsRotatedBySizeAndLogsReadAcrossTheCurrentAndThePreviousFile() throws Exception {
    // Rotation only when the test runs a supervision pass, so that it never cuts a burst of output in two.
    ProcessRuntimeDriver driver = driver(clock, options()
        .withSupervisionInterval(Duration.ofHours(1))
        .withLogRotation(2048, 2));
    InstanceStatus s = driver.start(serviceSpec("pricing-1"));
    awaitHealthy(s.port());
    Path logs = instanceDir("pricing-1").resolve("logs");

    for (String tag : List.of("a", "b", "c")) {
      assertThat(Http.get(s.port(), "/print?tag=" + tag + "&n=50")).isPresent(); // 50 lines of 55 bytes > 2048
      driver.superviseOnce();
      assertThat(Files.size(logs.resolve("output.log"))).as("truncated after rotating %s", tag).isZero();
    }
    assertThat(Http.get(s.port(), "/print?tag=d&n=10")).isPresent(); // 550 bytes: stays
    driver.superviseOnce();

    assertThat(Files.readAllLines(logs.resolve("output.log.1")).getFirst()).startsWith("c-0000");
    assertThat(Files.readAllLines(logs.resolve("output.log.2")).getFirst()).startsWith("b-0000");
    assertThat(logs.resolve("output.log.3")).as("two rotated files kept").doesNotExist();
    List<String> tail = driver.logs("pricing-1", 15);
    assertThat(tail).hasSize(15);
    assertThat(tail.subList(0, 5)).allMatch(l -> l.startsWith("c-004"));
    assertThat(tail.getFirst()).startsWith("c-0045");
    assertThat(tail.get(5)).startsWith("d-0000");
    assertThat(tail.getLast()).startsWith("d-0009");
    assertThat(driver.logs("pricing-1", 3)).extracting(l -> l.substring(0, 6)).containsExactly("d-0007", "d-0008", "d-0009");
  }

  @Test
  void logsOfAnUnknownInstanceAreEmptyAndNegativeCountsAreRefused() {
    ProcessRuntimeDriver driver = driver();
    assertThat(driver.logs("nobody", 10)).isEmpty();
    assertThat(driver.logs("../../etc", 10)).isEmpty();
    assertThatThrownBy(() -> driver.logs("nobody", -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("lines: -1 (expected: >= 0)");
  }

  // ---------------------------------------------------------------------------------------------- lifecycle

  @Test
  void cleanupRemovesTheFolderOfAStoppedInstanceOnly() throws Exception {
    ProcessRuntimeDriver driver = driver();
    driver.start(sleepSpec("batch-1"));

    assertThatThrownBy(() -> driver.cleanup("batch-1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("instance batch-1 is RUNNING (expected: STOPPED; stop it before cleanup)");

    driver.stop("batch-1", Duration.ofSeconds(5));
    driver.cleanup("batch-1");

    assertThat(instanceDir("batch-1")).doesNotExist();
    assertThat(driver.inspect("batch-1")).isEmpty();
  }

  @Test
  void closeLeavesInstancesRunningAndOnlyOneDriverMayUseARoot() throws Exception {
    ProcessRuntimeDriver a = driver();
    InstanceStatus s = a.start(sleepSpec("batch-1"));

    assertThatThrownBy(() -> driver())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is locked by another driver");

    a.close();
    assertThat(isAlive(s.pid())).isTrue();
    assertThatThrownBy(() -> a.start(sleepSpec("batch-2")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");

    ProcessRuntimeDriver b = driver();
    assertThat(b.recover()).extracting(InstanceStatus::pid).containsExactly(s.pid());
  }

  @Test
  void optionsAreValidatedWithMessagesNamingTheSetting() {
    ProcessRuntimeDriver.Options d = ProcessRuntimeDriver.Options.defaults();
    assertThat(d.java()).isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java"));
    assertThatThrownBy(() -> d.withStopGrace(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("stopGrace: PT-1S (expected: >= 0)");
    assertThatThrownBy(() -> d.withRestartBackoff(Duration.ofSeconds(60), Duration.ofSeconds(30)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("restartBackoffInitial: PT1M (expected: <= restartBackoffMax PT30S)");
    assertThatThrownBy(() -> d.withLogRotation(0, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("logMaxBytes: 0 (expected: >= 1)");
    assertThatThrownBy(() -> d.withLogRotation(1024, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("logFiles: 0 (expected: >= 1)");
    assertThatThrownBy(() -> d.withSupervisionInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("supervisionInterval: PT0S (expected: > 0)");
  }
}
