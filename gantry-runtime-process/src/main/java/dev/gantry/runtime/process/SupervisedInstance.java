package dev.gantry.runtime.process;

import dev.gantry.core.deploy.RuntimeDriver.InstanceStatus;
import dev.gantry.core.deploy.RuntimeDriver.State;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One instance as the driver tracks it. The immutable part comes from the spec (or, after a restart of the
 * server, from {@code instance.json}); the mutable part is guarded by this object's monitor.
 *
 * <p>Threading: the supervisor thread and callers of {@code start/stop/inspect/checkDrift} all touch an
 * instance; every read or write of a mutable field happens inside {@code synchronized (instance)}. Slow work
 * (hashing the artifact, waiting for a process to exit) is done outside the monitor so that
 * {@code inspect()} never waits for it.
 */
final class SupervisedInstance {
  final InstanceDirectory dir;
  final String service;
  final String version;
  final String serial;
  /** The digest as the spec spelled it (reported back unchanged). */
  final String digest;
  /** Lower-case hex of {@link #digest}, what the copy is compared with. */
  final String expectedHex;
  final String artifactName;
  final List<String> commandTemplate;
  final String java;
  final Map<String, String> env;
  final String fileKey;

  // ---- guarded by this
  State state = State.STARTING;
  int port;
  /** The process when this driver started it (gives the exit code); null when it was adopted. */
  Process process;
  /** The current (or last) process; null before the first start. */
  ProcessHandle handle;
  Instant processStart;
  List<String> command = List.of();
  Instant startedAt;
  Integer exitCode;
  int restarts;
  /** Crashes since the last run that lasted {@link ProcessRuntimeDriver#STABLE_RUN}; sets the backoff. */
  int consecutiveCrashes;
  /** When the supervisor restarts the crashed process; null when no restart is pending. */
  Instant nextRestartAt;
  /** Set by stop() before it signals: the supervisor must neither see a crash nor restart from then on. */
  boolean stopping;
  boolean drifted;
  String driftReason;
  String reason;

  SupervisedInstance(InstanceDirectory dir, String service, String version, String serial, String digest,
      String artifactName, List<String> commandTemplate, String java, Map<String, String> env, String fileKey) {
    this.dir = dir;
    this.service = service;
    this.version = version;
    this.serial = serial;
    this.digest = digest;
    this.expectedHex = Digests.normalize(digest);
    this.artifactName = artifactName;
    this.commandTemplate = List.copyOf(commandTemplate);
    this.java = java;
    this.env = Map.copyOf(env);
    this.fileKey = fileKey;
  }

  String id() {
    return dir.id;
  }

  Path artifact() {
    return dir.artifact(artifactName);
  }

  /** True while the current process should be running (not stopped, not crashed). */
  synchronized boolean isRunning() {
    return state == State.RUNNING && !stopping;
  }

  synchronized InstanceStatus status() {
    return new InstanceStatus(id(), service, version, serial, digest, ProcessRuntimeDriver.HOST, port,
        handle == null ? -1 : handle.pid(), state, exitCode, restarts, drifted, startedAt);
  }

  synchronized InstanceRecord record() {
    return new InstanceRecord(id(), service, version, serial, digest, artifactName, commandTemplate, command, java,
        env, port, handle == null ? null : handle.pid(), processStart, startedAt, restarts, state.name(), drifted,
        fileKey, drifted ? driftReason : reason);
  }
}
