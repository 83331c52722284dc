package dev.gantry.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.gantry.core.deploy.RuntimeDriver.InstanceStatus;
import dev.gantry.core.deploy.RuntimeDriver.State;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server restart in one JVM: driver A starts instances and is closed (its instances keep running), driver B
 * on the same root recovers them.
 */
class ProcessRuntimeDriverRecoverTest extends DriverTestSupport {

  @Test
  void recoverAdoptsAnInstanceThatKeptRunningAndItsOutputIsStillCaptured() throws Exception {
    ProcessRuntimeDriver a = driver();
    InstanceStatus started = a.start(serviceSpec("pricing-1"));
    awaitHealthy(started.port());
    a.close();
    assertThat(Http.get(started.port(), "/health")).as("closing the driver does not stop instances").isPresent();

    ProcessRuntimeDriver b = driver();
    List<InstanceStatus> adopted = b.recover();

    assertThat(adopted).singleElement().satisfies(s -> {
      assertThat(s.instanceId()).isEqualTo("pricing-1");
      assertThat(s.pid()).isEqualTo(started.pid());
      assertThat(s.port()).isEqualTo(started.port());
      assertThat(s.digest()).isEqualTo(started.digest());
      assertThat(s.state()).isEqualTo(State.RUNNING);
      assertThat(s.startedAt()).isEqualTo(started.startedAt());
    });
    assertThat(b.list()).extracting(InstanceStatus::instanceId).containsExactly("pricing-1");

    // The process writes output.log itself, so nothing was lost with the old driver's JVM side of a pipe.
    assertThat(Http.get(started.port(), "/print?tag=after-restart&n=1")).isPresent();
    assertThat(b.logs("pricing-1", 5)).anyMatch(l -> l.startsWith("after-restart-0000"));

    b.stop("pricing-1", Duration.ofSeconds(30));
    assertThat(isAlive(started.pid())).isFalse();
    InstanceStatus stopped = b.inspect("pricing-1").orElseThrow();
    assertThat(stopped.state()).isEqualTo(State.STOPPED);
    assertThat(stopped.exitCode()).as("not this JVM's child any more: no exit code").isNull();
  }

  @Test
  void anAdoptedInstanceIsRestartedAfterACrashWithItsRecordedCommandAndEnvironment() throws Exception {
    ProcessRuntimeDriver a = driver();
    InstanceStatus started = a.start(serviceSpec("pricing-1"));
    awaitHealthy(started.port());
    a.close();
    ProcessRuntimeDriver b = driver();
    b.recover();

    killAndAwait(started.pid());
    awaitState(b, "pricing-1", State.EXITED);
    clock.advance(Duration.ofSeconds(1));
    b.superviseOnce();

    InstanceStatus restarted = b.inspect("pricing-1").orElseThrow();
    assertThat(restarted.state()).isEqualTo(State.RUNNING);
    assertThat(restarted.restarts()).isEqualTo(1);
    awaitHealthy(restarted.port());
    assertThat(Http.get(restarted.port(), "/version")).hasValueSatisfying(r -> assertThat(r.body()).isEqualTo("v1"));
  }

  @Test
  void recoverForgetsAnInstanceWhoseProcessIsDeadButKeepsItsFolder() throws Exception {
    ProcessRuntimeDriver a = driver();
    InstanceStatus started = a.start(commandSpec("batch-1", List.of("sh", "-c", "echo before; exec sleep 1000")));
    awaitLog(a, "batch-1", "before");
    a.close();
    killAndAwait(started.pid());

    ProcessRuntimeDriver b = driver();

    assertThat(b.recover()).isEmpty();
    assertThat(b.inspect("batch-1")).isEmpty();
    assertThat(b.list()).isEmpty();
    String state = Files.readString(instanceDir("batch-1").resolve("instance.json"), StandardCharsets.UTF_8);
    assertThat(state).contains("\"GONE\"").contains("process " + started.pid() + " is not running");
    assertThat(b.logs("batch-1", 5)).containsExactly("before");

    b.cleanup("batch-1");
    assertThat(instanceDir("batch-1")).doesNotExist();
  }

  @Test
  void recoverStopsALiveInstanceWhoseArtifactNoLongerHasItsDigest() throws Exception {
    ProcessRuntimeDriver a = driver();
    InstanceStatus started = a.start(sleepSpec("batch-1"));
    a.close();
    tamper(copyOf("batch-1"));

    ProcessRuntimeDriver b = driver();

    assertThat(b.recover()).isEmpty();
    assertThat(isAlive(started.pid())).isFalse();
    assertThat(b.inspect("batch-1")).isEmpty();
    assertThat(Files.readString(instanceDir("batch-1").resolve("instance.json")))
        .contains("\"GONE\"").contains("has sha256");
  }

  @Test
  void recoverStopsAnInstanceFoundDriftedBeforeTheRestartEvenIfTheFileWasPutBack() throws Exception {
    ProcessRuntimeDriver a = driver();
    InstanceStatus started = a.start(sleepSpec("batch-1"));
    Path copy = copyOf("batch-1");
    byte[] original = Files.readAllBytes(copy);
    tamper(copy);
    assertThat(a.checkDrift()).hasSize(1);
    a.close();
    Files.write(copy, original); // the drift was seen: putting the bytes back does not make the run trustworthy
    Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));
    assertThat(Digests.sha256(copy)).isEqualTo(started.digest());

    ProcessRuntimeDriver b = driver();

    assertThat(b.recover()).isEmpty();
    assertThat(isAlive(started.pid())).isFalse();
  }

  @Test
  void recoverLeavesAProcessThatReusedTheRecordedPidAloneAndEndsTheRealOne() throws Exception {
    ProcessRuntimeDriver a = driver();
    InstanceStatus ours = a.start(sleepSpec("batch-1"));
    a.close();
    // Pretend the pid was recycled: the record now names a live process that is someone else's.
    ProcessHandle stranger = foreign(new ProcessBuilder("sleep", "1000").start());
    Instant strangerStart = stranger.info().startInstant().orElseThrow();
    Path stateFile = instanceDir("batch-1").resolve("instance.json");
    InstanceRecord rec = InstanceRecord.fromJson(Files.readString(stateFile));
    Instant recorded = strangerStart.minusSeconds(3600);
    InstanceRecord pointingAtStranger = new InstanceRecord(rec.id(), rec.service(), rec.version(), rec.serial(),
        rec.digest(), rec.artifact(), rec.commandTemplate(), rec.command(), rec.java(), rec.env(), rec.port(),
        stranger.pid(), recorded, rec.startedAt(), rec.restarts(), rec.state(), rec.drifted(), rec.fileKey(), null);
    Files.writeString(stateFile, pointingAtStranger.toJson());

    ProcessRuntimeDriver b = driver();

    assertThat(b.recover()).isEmpty();
    assertThat(stranger.isAlive()).as("a recycled pid belongs to someone else").isTrue();
    assertThat(isAlive(ours.pid())).as("our process, no longer recorded, is ended by its marker").isFalse();
    assertThat(Files.readString(stateFile)).contains("now belongs to another process");
  }

  @Test
  void recoverEndsAProcessThatCarriesTheMarkerButWasNeverRecorded() throws Exception {
    assumeThat(Path.of("/proc/self/environ")).as("Linux /proc").exists();
    // As if the server crashed between fork and writing instance.json.
    ProcessBuilder pb = new ProcessBuilder("sleep", "1000");
    pb.environment().put(ProcessTree.MARKER, instancesDir().resolve("ghost").toString());
    ProcessHandle orphan = foreign(pb.start());

    ProcessRuntimeDriver b = driver();

    assertThat(b.recover()).isEmpty();
    Await.until("the orphan to be ended", () -> !orphan.isAlive());
  }

  @Test
  void recoverSkipsAnUnreadableStateFileAndStillLeavesNoOrphan() throws Exception {
    ProcessRuntimeDriver a = driver();
    InstanceStatus started = a.start(sleepSpec("batch-1"));
    a.close();
    Files.writeString(instanceDir("batch-1").resolve("instance.json"), "{not json");

    ProcessRuntimeDriver b = driver();

    assertThat(b.recover()).isEmpty();
    assertThat(isAlive(started.pid())).isFalse();
  }
}
