package dev.gantry.core.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs instances of artifacts (Nomad's driver contract: start, stop, inspect, recover). The embedded
 * implementation runs local processes; containers and Kubernetes come later behind the same interface.
 *
 * <p>Implementations never change a running instance: a change is a new instance.
 */
public interface RuntimeDriver extends AutoCloseable {

  /**
   * Starts one instance. The driver copies the artifact read-only into the instance's own directory,
   * checks the copy's SHA-256 against {@code spec.digest()} before starting, picks a free loopback port
   * and passes it as {@code PORT} and in place of {@code {port}} in the command.
   *
   * @throws IllegalStateException when the artifact's digest does not match or the process cannot start
   */
  InstanceStatus start(InstanceSpec spec);

  /** Stops an instance: SIGTERM, then SIGKILL after grace. Unknown ids are ignored. */
  void stop(String instanceId, Duration grace);

  /** The instance's current state, or empty when the driver does not know it. */
  Optional<InstanceStatus> inspect(String instanceId);

  /** All instances this driver knows, including those adopted after a restart of the server. */
  List<InstanceStatus> list();

  /**
   * Called once at server start: finds the instances started before the restart and adopts those still
   * running as started (same process, same artifact digest); forgets or stops the rest. No orphans.
   */
  List<InstanceStatus> recover();

  /** The last lines of an instance's captured stdout/stderr. */
  List<String> logs(String instanceId, int lines);

  @Override
  void close();

  /**
   * What to run.
   *
   * @param instanceId unique, e.g. {@code pricing-A-000002-1}; safe in file names
   * @param command argv template; {@code {artifact}} and {@code {port}} are replaced
   * @param env extra environment variables
   */
  record InstanceSpec(String instanceId, String service, String version, String serial, Path artifact, String digest,
      List<String> command, Map<String, String> env) {
    public InstanceSpec {
      command = List.copyOf(command);
      env = Map.copyOf(env);
    }
  }

  /** Process-level state; health (readiness) is probed by the control plane, not the driver. */
  enum State {
    STARTING,
    RUNNING,
    EXITED,
    STOPPED
  }

  /**
   * What the driver observes.
   *
   * @param drifted true when the instance's artifact copy no longer has the digest it was started with
   * @param restarts how often the driver restarted it after a crash
   */
  record InstanceStatus(String instanceId, String service, String version, String serial, String digest, String host,
      int port, long pid, State state, Integer exitCode, int restarts, boolean drifted, Instant startedAt) {}
}
