package dev.gantry.runtime.process;

import dev.gantry.core.deploy.RuntimeDriver;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link RuntimeDriver}: each instance is a local process on a loopback port, running a read-only
 * copy of its artifact whose SHA-256 is checked before every start and periodically while it runs.
 *
 * <pre>
 *  start(spec)
 *    │ instances/&lt;id&gt;/ created (new id only)
 *    │ artifact copied to artifact/&lt;name&gt;, 0444, folder 0555
 *    │ sha256(copy) == spec.digest ? ──no──▶ IllegalStateException, folder removed, nothing runs
 *    │ free loopback port; argv from the template; env = PORT + spec.env
 *    │ instance.json (STARTING) ─▶ fork, stdout+stderr appended to logs/output.log ─▶ instance.json (RUNNING)
 *    ▼
 *  RUNNING ──exits without stop()──▶ EXITED ──after backoff 1 s, 2 s, 4 s … 30 s, digest re-checked──▶ RUNNING
 *    │                                                                             (restarts + 1)
 *    │ stop(): SIGTERM, wait grace, SIGKILL the process and every child ─▶ STOPPED (folder kept for its logs)
 *    ▼
 *  cleanup(id): removes the folder of a STOPPED instance
 *
 *  supervisor thread, every supervisionInterval: crashes, due restarts, log rotation
 *                     every driftCheckInterval:  sha256 of every copy ─▶ drifted (also checkDrift())
 *  recover(), at server start: adopt what still runs as recorded; end everything else carrying our marker
 * </pre>
 *
 * <h2>Output across restarts of the server</h2>
 *
 * The process's stdout and stderr are opened directly on {@code logs/output.log} in append mode
 * ({@link Redirect#appendTo}); they are not piped through this JVM. A pipe dies with the server: an adopted
 * process would then write into a pipe nobody reads, so a Java service silently loses its output and a shell
 * or native program is killed by {@code SIGPIPE} at its next write, turning every server restart into a crash
 * of every instance. With the file, output is captured whether a server runs or not, also for adopted
 * instances, and {@link #logs} works the same before and after a restart. The price is that rotation cannot
 * rename the file under the writer: the supervisor rotates by copy-truncate (see {@link OutputLog}), which can
 * lose the few bytes written between copy and truncation, and lets the file outgrow the limit by what the
 * process writes in one supervision interval.
 *
 * <h2>Processes</h2>
 *
 * Each process gets {@code GANTRY_INSTANCE_DIR=<instance folder>} in its environment, inherited by its
 * children. {@code stop()} SIGTERMs the main process only (it owns the graceful shutdown of its children, as
 * with {@code docker stop}), then SIGKILLs whatever is left of the tree, including re-parented children found by
 * the marker (Linux). The environment is not the server's: only {@code PATH}, {@code LANG}, {@code LC_ALL} and
 * {@code TZ} are passed on, {@code HOME} is the instance's {@code work/}, then the spec's variables, {@code PORT}
 * and the marker. Instances are not children of a server process group, so they survive a server restart; under
 * systemd run the server with {@code KillMode=process} for the same reason.
 *
 * <h2>Retention</h2>
 *
 * A stopped instance's folder (logs, state, artifact copy) stays until {@link #cleanup(String)} is called; the
 * control plane decides how many to keep. After a server restart only adopted instances are known; folders of
 * stopped or given-up instances remain on disk, {@link #logs} still reads them and {@code cleanup} removes them.
 *
 * <p>One driver per root: a lock on {@code <root>/driver.lock} is held from construction to {@link #close()}.
 * POSIX systems only (permissions, signals). {@link #recover()} is meant to be called once, before any
 * {@link #start}.
 */
public final class ProcessRuntimeDriver implements RuntimeDriver {
  private static final Logger log = LoggerFactory.getLogger(ProcessRuntimeDriver.class);

  /** Instances listen on loopback only; the router in front of them is the public side. */
  static final String HOST = "127.0.0.1";

  static final String PORT_VARIABLE = "PORT";

  /**
   * A run at least this long resets the backoff to its initial value; kubelet resets its crash-loop backoff after
   * ten minutes of running too.
   */
  static final Duration STABLE_RUN = Duration.ofMinutes(10);

  /**
   * How long to wait for the kernel to tear a SIGKILLed process down. Milliseconds normally; 5 s covers a process
   * stuck in uninterruptible I/O on a loaded machine, after which it is reported rather than waited for.
   */
  static final Duration KILL_WAIT = Duration.ofSeconds(5);

  private static final Pattern INSTANCE_ID = Pattern.compile("[a-zA-Z0-9._-]+");
  private static final List<String> INHERITED_ENV = List.of("PATH", "LANG", "LC_ALL", "TZ");
  private static final File DEV_NULL = new File("/dev/null");

  private final Path root;
  private final Path instancesDir;
  private final Clock clock;
  private final Options options;
  private final ConcurrentMap<String, SupervisedInstance> instances = new ConcurrentHashMap<>();
  private final FileChannel lockChannel;
  private final FileLock rootLock;
  /** One thread: supervision ticks and drift checks never overlap, so neither needs to guard against the other. */
  private final ScheduledExecutorService supervisor;
  /** Serializes ticks run by the supervisor thread with ticks a test runs directly. */
  private final Object tickLock = new Object();
  /**
   * Guards {@link #claimedPorts}. Lock order: an instance's monitor, then this one, never the reverse (nothing
   * is called under portLock that takes another lock), so the two cannot deadlock.
   */
  private final Object portLock = new Object();
  private final Set<Integer> claimedPorts = new HashSet<>();
  private volatile boolean closed;

  /**
   * Creates the driver and starts its supervisor thread. Instances from an earlier server are not touched until
   * {@link #recover()}.
   *
   * @param root the runtime's own folder (for example {@code DATA/runtime}); created when missing
   * @param clock the time recorded in statuses and used for restart backoff
   * @throws IllegalStateException when another driver holds the root, or the file system has no POSIX permissions
   */
  public ProcessRuntimeDriver(Path root, Clock clock, Options options) {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.options = Objects.requireNonNull(options, "options");
    this.instancesDir = this.root.resolve("instances");
    Path lockFile = this.root.resolve("driver.lock");
    FileChannel channel = null;
    try {
      Files.createDirectories(instancesDir);
      if (!Files.getFileStore(instancesDir).supportsFileAttributeView(PosixFileAttributeView.class)) {
        throw new IllegalStateException("runtime root " + this.root
            + " is on a file system without POSIX permissions (expected: one with them, to make copies read-only)");
      }
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by another driver in this JVM
      }
      if (lock == null) {
        throw new IllegalStateException("runtime root " + this.root + " is in use: " + lockFile
            + " is locked by another driver (expected: one driver per root; close the other first)");
      }
      this.lockChannel = channel;
      this.rootLock = lock;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("cannot open runtime root " + this.root + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
    this.supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gantry-runtime-supervisor");
      t.setDaemon(true); // instances outlive the server by design; so must a JVM that forgot close()
      return t;
    });
    long tick = options.supervisionInterval().toMillis();
    supervisor.scheduleWithFixedDelay(this::superviseQuietly, tick, tick, TimeUnit.MILLISECONDS);
    long drift = options.driftCheckInterval().toMillis();
    supervisor.scheduleWithFixedDelay(this::checkDriftQuietly, drift, drift, TimeUnit.MILLISECONDS);
  }

  // ------------------------------------------------------------------------------------------------ start

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when the id is not {@code [a-zA-Z0-9._-]+}, the digest is not SHA-256, the
   *     command is empty, the artifact is not a file, or {@code spec.env} sets {@code PORT}
   * @throws IllegalStateException when the id was used before, the copy's digest differs, or the process cannot
   *     start; nothing is left running and the instance's folder is removed
   */
  @Override
  public InstanceStatus start(InstanceSpec spec) {
    requireOpen();
    Objects.requireNonNull(spec, "spec");
    String id = checkInstanceId(spec.instanceId());
    String expectedHex = Digests.normalize(spec.digest());
    if (spec.command().isEmpty()) {
      throw new IllegalArgumentException("command: [] (expected: at least the program to run)");
    }
    for (String reserved : List.of(PORT_VARIABLE, ProcessTree.MARKER)) {
      if (spec.env().containsKey(reserved)) {
        throw new IllegalArgumentException("env: " + reserved + "=" + spec.env().get(reserved)
            + " (expected: not in the spec; the driver sets " + reserved + ")");
      }
    }
    Path source = Objects.requireNonNull(spec.artifact(), "artifact");
    if (!Files.isRegularFile(source)) {
      throw new IllegalArgumentException("artifact: " + source + " (expected: an existing regular file)");
    }

    InstanceDirectory dir;
    try {
      dir = InstanceDirectory.create(instancesDir, id);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the folder of instance " + id + " in " + instancesDir, e);
    }
    SupervisedInstance inst = null;
    try {
      String name = source.getFileName().toString();
      Path copy = dir.installArtifact(source, name);
      // The copy, not the source, is what runs: hash the copy, after it was made read-only.
      String actual = Digests.sha256(copy);
      if (!actual.equals(expectedHex)) {
        throw new IllegalStateException("artifact digest mismatch for instance " + id + ": the copy of " + source
            + " has sha256 " + actual + " (expected: " + spec.digest() + "); not started");
      }
      inst = new SupervisedInstance(dir, spec.service(), spec.version(), spec.serial(), spec.digest(), name,
          spec.command(), options.java().toString(), spec.env(), InstanceDirectory.fileKey(copy).orElse(null));
      synchronized (inst) {
        launch(inst, allocatePort(0));
        dir.write(inst.record());
      }
      instances.put(id, inst);
      InstanceStatus status = inst.status();
      log.info("started instance {} ({}@{} serial {}) pid {} on port {}", id, spec.service(), spec.version(),
          spec.serial(), status.pid(), status.port());
      return status;
    } catch (IOException | RuntimeException e) {
      abandon(inst, dir);
      if (e instanceof IOException io) {
        throw new IllegalStateException("cannot start instance " + id + ": " + io.getMessage(), io);
      }
      throw (RuntimeException) e;
    }
  }

  /** Undoes a failed start: ends its process (if one started), frees its port, removes its folder. */
  private void abandon(SupervisedInstance inst, InstanceDirectory dir) {
    if (inst != null) {
      ProcessHandle h;
      int port;
      synchronized (inst) {
        h = inst.handle;
        port = inst.port;
      }
      List<ProcessHandle> tree = new ArrayList<>(ProcessTree.marked(instancesDir, dir.id));
      if (h != null) {
        tree.add(h);
        tree.addAll(h.descendants().toList());
      }
      ProcessTree.killForcibly(tree, KILL_WAIT);
      releasePort(port);
    }
    try {
      dir.delete();
    } catch (IOException e) {
      log.warn("could not remove the folder {} of a failed start: {}", dir.dir, e.toString());
    }
  }

  /**
   * Starts the instance's process on {@code port}. Caller holds the instance's monitor.
   *
   * <p>The record is written (STARTING) before the fork, so that a server crash between fork and the caller's
   * second write leaves a record; the process itself is then found by its marker and ended by recover().
   */
  private void launch(SupervisedInstance inst, int port) throws IOException {
    String artifact = inst.artifact().toString();
    List<String> argv = inst.commandTemplate.stream()
        .map(a -> a.replace("{artifact}", artifact).replace("{port}", Integer.toString(port))
            .replace("{java}", inst.java))
        .toList();
    OutputLog output = outputLog(inst.dir);
    ProcessBuilder pb = new ProcessBuilder(argv)
        .directory(inst.dir.work.toFile())
        .redirectInput(Redirect.from(DEV_NULL)) // a pipe from this JVM would break when the server stops
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(output.file().toFile()));
    Map<String, String> env = pb.environment();
    Map<String, String> inherited = new HashMap<>();
    for (String name : INHERITED_ENV) {
      String v = env.get(name);
      if (v != null) {
        inherited.put(name, v);
      }
    }
    env.clear(); // the server's environment holds the server's secrets; an instance gets only its own
    env.putAll(inherited);
    env.put("HOME", inst.dir.work.toString());
    env.putAll(inst.env);
    env.put(PORT_VARIABLE, Integer.toString(port));
    env.put(ProcessTree.MARKER, inst.dir.dir.toString());

    inst.port = port;
    inst.command = argv;
    inst.state = State.STARTING;
    inst.dir.write(inst.record());
    Process p = pb.start();
    inst.process = p;
    inst.handle = p.toHandle();
    inst.processStart = inst.handle.info().startInstant().orElse(null);
    inst.startedAt = clock.instant();
    inst.state = State.RUNNING;
    inst.exitCode = null;
    inst.nextRestartAt = null;
    inst.reason = null;
  }

  // ------------------------------------------------------------------------------------------------ stop

  /**
   * {@inheritDoc}
   *
   * <p>Blocks until the process and its children are gone: at most {@code grace} plus {@link #KILL_WAIT}. The
   * instance's folder stays (see {@link #cleanup(String)}).
   *
   * @param grace time between SIGTERM and SIGKILL; null means {@link Options#stopGrace()}
   */
  @Override
  public void stop(String instanceId, Duration grace) {
    requireOpen();
    SupervisedInstance inst = instanceId == null ? null : instances.get(instanceId);
    if (inst != null) {
      stopAll(List.of(inst), grace);
    }
  }

  /**
   * Stops every instance this driver knows, all within one grace period: SIGTERM to all, then SIGKILL to those
   * still running when it ends. For shutting the runtime down on purpose; {@link #close()} does not do this.
   *
   * @param grace null means {@link Options#stopGrace()}
   */
  public void stopAll(Duration grace) {
    requireOpen();
    stopAll(List.copyOf(instances.values()), grace);
  }

  private record Stopping(SupervisedInstance inst, ProcessHandle main, List<ProcessHandle> descendants) {}

  private void stopAll(List<SupervisedInstance> targets, Duration grace) {
    Duration g = grace == null ? options.stopGrace() : grace;
    if (g.isNegative()) {
      throw new IllegalArgumentException("grace: " + g + " (expected: >= 0)");
    }
    List<Stopping> stopping = new ArrayList<>();
    for (SupervisedInstance inst : targets) {
      ProcessHandle main;
      synchronized (inst) {
        if (inst.state == State.STOPPED) {
          continue;
        }
        // From here the supervisor neither counts the exit as a crash nor restarts (it checks under this monitor).
        inst.stopping = true;
        inst.nextRestartAt = null;
        main = inst.state == State.RUNNING || inst.state == State.STARTING ? inst.handle : null;
      }
      // Children are listed before the signal: once the main process is gone they are re-parented and lost.
      List<ProcessHandle> descendants = main == null ? List.of() : main.descendants().toList();
      if (main != null && main.isAlive()) {
        log.info("stopping instance {} pid {}: SIGTERM, SIGKILL after {}", inst.id(), main.pid(), g);
        main.destroy();
      }
      stopping.add(new Stopping(inst, main, descendants));
    }
    if (stopping.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + g.toNanos(); // real time: a grace period is a promise to the process
    for (Stopping s : stopping) {
      if (s.main() != null && !ProcessTree.awaitExit(s.main(), deadline)) {
        log.warn("instance {} pid {} still runs {} after SIGTERM; sending SIGKILL", s.inst().id(), s.main().pid(), g);
        s.main().destroyForcibly();
      }
    }
    Map<ProcessHandle, String> marked = ProcessTree.marked(instancesDir);
    for (Stopping s : stopping) {
      Set<ProcessHandle> rest = new LinkedHashSet<>(s.descendants());
      if (s.main() != null) {
        rest.add(s.main());
      }
      marked.forEach((h, id) -> {
        if (id.equals(s.inst().id())) {
          rest.add(h);
        }
      });
      List<ProcessHandle> alive = ProcessTree.killForcibly(rest, KILL_WAIT);
      if (!alive.isEmpty()) {
        log.error("instance {}: processes {} survived SIGKILL for {}", s.inst().id(),
            alive.stream().map(ProcessHandle::pid).toList(), KILL_WAIT);
      }
      SupervisedInstance inst = s.inst();
      int port;
      synchronized (inst) {
        inst.state = State.STOPPED;
        if (inst.process != null && !inst.process.isAlive()) {
          inst.exitCode = inst.process.exitValue();
        }
        inst.reason = "stopped";
        port = inst.port;
        writeQuietly(inst);
      }
      releasePort(port);
      log.info("instance {} stopped (exit code {})", inst.id(), inst.status().exitCode());
    }
  }

  /** SIGTERM, grace, then SIGKILL to one process and everything of the instance; used for processes not adopted. */
  private void terminate(ProcessHandle main, String instanceId, Duration grace) {
    List<ProcessHandle> descendants = main.descendants().toList();
    main.destroy();
    if (!ProcessTree.awaitExit(main, System.nanoTime() + grace.toNanos())) {
      main.destroyForcibly();
    }
    Set<ProcessHandle> rest = new LinkedHashSet<>(descendants);
    rest.add(main);
    rest.addAll(ProcessTree.marked(instancesDir, instanceId));
    ProcessTree.killForcibly(rest, KILL_WAIT);
  }

  // ------------------------------------------------------------------------------------------------ observe

  @Override
  public Optional<InstanceStatus> inspect(String instanceId) {
    SupervisedInstance inst = instanceId == null ? null : instances.get(instanceId);
    return inst == null ? Optional.empty() : Optional.of(inst.status());
  }

  /** All known instances, by id. */
  @Override
  public List<InstanceStatus> list() {
    return instances.values().stream()
        .map(SupervisedInstance::status)
        .sorted(Comparator.comparing(InstanceStatus::instanceId))
        .toList();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads the instance's folder, so it also answers for instances stopped or given up before a restart of the
   * server, until {@link #cleanup(String)}. Unknown ids give an empty list.
   *
   * @throws IllegalArgumentException when {@code lines} is negative
   */
  @Override
  public List<String> logs(String instanceId, int lines) {
    if (lines < 0) {
      throw new IllegalArgumentException("lines: " + lines + " (expected: >= 0)");
    }
    if (instanceId == null || !isValidInstanceId(instanceId)) {
      return List.of();
    }
    InstanceDirectory dir = InstanceDirectory.of(instancesDir, instanceId);
    try {
      return outputLog(dir).tail(lines);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the output of instance " + instanceId + " in " + dir.logs, e);
    }
  }

  /** Why an instance was found drifted (names the file, the digest found and the digest expected), if it was. */
  public Optional<String> driftReason(String instanceId) {
    SupervisedInstance inst = instanceId == null ? null : instances.get(instanceId);
    if (inst == null) {
      return Optional.empty();
    }
    synchronized (inst) {
      return inst.drifted ? Optional.of(inst.driftReason) : Optional.empty();
    }
  }

  // ------------------------------------------------------------------------------------------------ drift

  /**
   * Re-hashes the artifact copy of every instance that is not stopped, and marks {@code drifted} (for good) any
   * whose copy is missing, replaced by another file, no longer read-only, or has another digest. Also runs every
   * {@link Options#driftCheckInterval()}. The driver does not stop a drifted instance; it does not restart it
   * after a crash either.
   *
   * @return every drifted instance that is not stopped, including ones found before
   */
  public List<InstanceStatus> checkDrift() {
    requireOpen();
    List<InstanceStatus> drifted = new ArrayList<>();
    for (SupervisedInstance inst : instances.values()) {
      synchronized (inst) {
        if (inst.state == State.STOPPED) {
          continue;
        }
      }
      Optional<String> reason = verifyArtifact(inst); // hashing outside the monitor: inspect() must not wait for it
      synchronized (inst) {
        if (inst.state == State.STOPPED) {
          continue;
        }
        if (reason.isPresent() && !inst.drifted) {
          markDrifted(inst, reason.get());
        }
        if (inst.drifted) {
          drifted.add(inst.status());
        }
      }
    }
    return drifted;
  }

  private Optional<String> verifyArtifact(SupervisedInstance inst) {
    try {
      return InstanceDirectory.verify(inst.artifact(), inst.expectedHex, inst.fileKey);
    } catch (IOException e) {
      return Optional.of("artifact copy " + inst.artifact() + " cannot be read: " + e);
    }
  }

  /** Caller holds the instance's monitor. */
  private void markDrifted(SupervisedInstance inst, String reason) {
    inst.drifted = true;
    inst.driftReason = reason;
    log.warn("instance {} drifted: {}", inst.id(), reason);
    writeQuietly(inst);
  }

  private void checkDriftQuietly() {
    try {
      if (!closed) {
        checkDrift();
      }
    } catch (RuntimeException e) {
      // an exception would cancel the periodic task for good
      log.error("drift check failed", e);
    }
  }

  // ------------------------------------------------------------------------------------------------ supervise

  private void superviseQuietly() {
    try {
      superviseOnce();
    } catch (RuntimeException e) {
      log.error("supervision tick failed", e); // an exception would cancel the periodic task for good
    }
  }

  /**
   * One supervision pass: notices crashes, restarts instances whose backoff has passed, rotates output. Run by
   * the supervisor thread every {@link Options#supervisionInterval()}; package-private so tests can run a pass at
   * a chosen moment of their clock.
   */
  void superviseOnce() {
    synchronized (tickLock) {
      Instant now = clock.instant();
      for (SupervisedInstance inst : instances.values()) {
        try {
          supervise(inst, now);
        } catch (RuntimeException e) {
          log.warn("supervising instance {} failed: {}", inst.id(), e.toString(), e);
        }
      }
    }
  }

  private void supervise(SupervisedInstance inst, Instant now) {
    boolean crashed = false;
    boolean running = false;
    boolean restartDue;
    synchronized (inst) {
      if (inst.stopping || inst.state == State.STOPPED) {
        return;
      }
      if (inst.state == State.RUNNING) {
        boolean alive = inst.process != null ? inst.process.isAlive() : inst.handle.isAlive();
        if (alive) {
          running = true;
        } else {
          crashed = true;
          onCrash(inst, now);
        }
      }
      restartDue = inst.state == State.EXITED && inst.nextRestartAt != null && !now.isBefore(inst.nextRestartAt);
    }
    if (crashed) {
      // Children of the crashed process were re-parented; only the marker still finds them.
      ProcessTree.killForcibly(ProcessTree.marked(instancesDir, inst.id()), KILL_WAIT);
    }
    if (running) {
      try {
        if (outputLog(inst.dir).rotateIfNeeded()) {
          log.debug("rotated the output of instance {}", inst.id());
        }
      } catch (IOException e) {
        log.warn("cannot rotate the output of instance {}: {}", inst.id(), e.toString());
      }
    }
    if (restartDue) {
      restart(inst, now);
    }
  }

  /** Caller holds the instance's monitor. */
  private void onCrash(SupervisedInstance inst, Instant now) {
    inst.exitCode = inst.process != null ? inst.process.exitValue() : null; // an adopted process's code is lost
    inst.state = State.EXITED;
    boolean stable = inst.startedAt != null && Duration.between(inst.startedAt, now).compareTo(STABLE_RUN) >= 0;
    inst.consecutiveCrashes = stable ? 1 : inst.consecutiveCrashes + 1;
    if (inst.drifted) {
      inst.nextRestartAt = null;
      inst.reason = "exited with " + inst.exitCode + "; not restarted: drifted";
      log.warn("instance {} pid {} exited with {}; not restarted because it drifted", inst.id(), inst.handle.pid(),
          inst.exitCode);
    } else {
      Duration backoff = backoff(inst.consecutiveCrashes);
      inst.nextRestartAt = now.plus(backoff);
      inst.reason = "exited with " + inst.exitCode;
      log.warn("instance {} pid {} exited with {}; restart {} in {}", inst.id(), inst.handle.pid(), inst.exitCode,
          inst.restarts + 1, backoff);
    }
    writeQuietly(inst);
  }

  private void restart(SupervisedInstance inst, Instant now) {
    Optional<String> drift = verifyArtifact(inst); // outside the monitor; the state is re-checked below
    synchronized (inst) {
      if (inst.stopping || inst.state != State.EXITED || inst.nextRestartAt == null) {
        return; // stopped (or restarted) meanwhile
      }
      if (drift.isPresent()) {
        inst.nextRestartAt = null;
        markDrifted(inst, drift.get());
        log.warn("instance {} is not restarted: its artifact drifted", inst.id());
        return;
      }
      try {
        launch(inst, allocatePort(inst.port));
      } catch (IOException | UncheckedIOException e) {
        inst.state = State.EXITED;
        retryLater(inst, now, e);
        return;
      }
      inst.restarts++;
      writeQuietly(inst); // a failed write leaves a STARTING record: recover() then ends the process by its marker
      log.info("restarted instance {} (restart {}) pid {} on port {}", inst.id(), inst.restarts, inst.handle.pid(),
          inst.port);
    }
  }

  /** The process could not even be started (no such program, no free port): back off further and try again. */
  private void retryLater(SupervisedInstance inst, Instant now, Exception cause) {
    synchronized (inst) {
      inst.consecutiveCrashes++;
      Duration backoff = backoff(inst.consecutiveCrashes);
      inst.nextRestartAt = now.plus(backoff);
      inst.reason = "restart failed: " + cause.getMessage();
      log.warn("cannot restart instance {}: {}; next attempt in {}", inst.id(), cause.getMessage(), backoff);
      writeQuietly(inst);
    }
  }

  /** {@code initial * 2^(crashes-1)}, at most {@code max}. */
  Duration backoff(int crashes) {
    int shift = Math.min(Math.max(crashes - 1, 0), 30); // 2^30 × any positive initial is past any sane max
    Duration max = options.restartBackoffMax();
    Duration initial = options.restartBackoffInitial();
    if (initial.compareTo(max.dividedBy(1L << shift)) > 0) {
      return max;
    }
    Duration d = initial.multipliedBy(1L << shift);
    return d.compareTo(max) > 0 ? max : d;
  }

  // ------------------------------------------------------------------------------------------------ recover

  /**
   * {@inheritDoc}
   *
   * <p>An instance is adopted when its record says RUNNING, its pid is alive, that process's start instant equals
   * the recorded one (a recycled pid belongs to someone else and is left alone), and its artifact copy still has
   * the recorded digest. A live process of ours that fails the digest check is stopped (SIGTERM, grace, SIGKILL).
   * Records that cannot be adopted are marked GONE with the reason; their folders stay for their logs. Last,
   * every process still carrying the marker of an instance that was not adopted is ended, so nothing the driver
   * ever started is left unsupervised.
   *
   * <p>Output of an adopted instance keeps going to its {@code output.log}, because the process writes the file
   * itself (see the class comment); an adopted instance's exit code is not known to this JVM.
   *
   * @return the adopted instances
   */
  @Override
  public List<InstanceStatus> recover() {
    requireOpen();
    List<Path> dirs = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(instancesDir, Files::isDirectory)) {
      ds.forEach(dirs::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + instancesDir, e);
    }
    dirs.sort(Comparator.naturalOrder());
    List<InstanceStatus> adopted = new ArrayList<>();
    for (Path d : dirs) {
      String id = d.getFileName().toString();
      if (!isValidInstanceId(id) || instances.containsKey(id)) {
        continue;
      }
      InstanceDirectory dir = InstanceDirectory.of(instancesDir, id);
      try {
        Optional<InstanceRecord> rec = dir.read();
        if (rec.isPresent()) {
          recoverOne(dir, rec.get()).ifPresent(adopted::add);
        }
      } catch (IOException | RuntimeException e) {
        // Not adopted, so its processes (if any) carry a marker of an unowned instance: the sweep ends them.
        log.warn("instance {}: cannot read {}: {}", id, dir.stateFile, e.toString());
      }
    }
    sweepOrphans();
    log.info("recovered: {} instances adopted", adopted.size());
    return adopted;
  }

  private Optional<InstanceStatus> recoverOne(InstanceDirectory dir, InstanceRecord rec) {
    String id = dir.id;
    Optional<ProcessHandle> live = rec.pid() == null
        ? Optional.empty()
        : ProcessHandle.of(rec.pid()).filter(ProcessHandle::isAlive);
    Optional<Instant> liveStart = live.flatMap(h -> h.info().startInstant());
    // The pid-reuse guard: the same pid with another start instant is another process that got the number.
    boolean ours = live.isPresent() && rec.processStart() != null
        && liveStart.filter(rec.processStart()::equals).isPresent();

    if (State.STOPPED.name().equals(rec.state()) || InstanceRecord.GONE.equals(rec.state())) {
      if (ours) {
        log.warn("instance {} was recorded {} but pid {} still runs; ending it", id, rec.state(), rec.pid());
        terminate(live.get(), id, options.stopGrace());
      }
      return Optional.empty();
    }
    if (!State.RUNNING.name().equals(rec.state())) {
      if (ours) {
        terminate(live.get(), id, options.stopGrace());
      }
      giveUp(dir, rec, "was " + rec.state() + " when the previous server stopped");
      return Optional.empty();
    }
    if (!ours) {
      String why = live.isEmpty()
          ? "process " + rec.pid() + " is not running"
          : "pid " + rec.pid() + " now belongs to another process (started "
              + liveStart.map(Object::toString).orElse("at an unknown time") + ", expected: " + rec.processStart() + ")";
      giveUp(dir, rec, why);
      return Optional.empty();
    }
    SupervisedInstance inst = new SupervisedInstance(dir, rec.service(), rec.version(), rec.serial(), rec.digest(),
        rec.artifact(), rec.commandTemplate(), rec.java(), rec.env(), rec.fileKey());
    Optional<String> drift = rec.drifted()
        ? Optional.of("found drifted before the restart: " + rec.reason())
        : verifyArtifact(inst);
    if (drift.isPresent()) {
      log.warn("instance {} pid {} is not adopted: {}; stopping it", id, rec.pid(), drift.get());
      terminate(live.get(), id, options.stopGrace());
      giveUp(dir, rec, drift.get());
      return Optional.empty();
    }
    synchronized (inst) {
      inst.handle = live.get();
      inst.processStart = rec.processStart();
      inst.port = rec.port();
      inst.command = rec.command();
      inst.startedAt = rec.startedAt();
      inst.restarts = rec.restarts();
      inst.state = State.RUNNING;
    }
    claimPort(rec.port());
    instances.put(id, inst);
    log.info("adopted instance {} pid {} on port {}", id, rec.pid(), rec.port());
    return Optional.of(inst.status());
  }

  private void giveUp(InstanceDirectory dir, InstanceRecord rec, String reason) {
    log.warn("instance {} is not adopted: {}", dir.id, reason);
    try {
      dir.write(rec.withState(InstanceRecord.GONE, reason));
    } catch (IOException e) {
      log.warn("cannot update {}: {}", dir.stateFile, e.toString());
    }
  }

  /** Ends every process carrying the marker of an instance under this root that this driver does not supervise. */
  private void sweepOrphans() {
    Set<String> owned = new HashSet<>();
    instances.forEach((id, inst) -> {
      synchronized (inst) {
        if (inst.state != State.STOPPED) {
          owned.add(id);
        }
      }
    });
    List<ProcessHandle> orphans = new ArrayList<>();
    ProcessTree.marked(instancesDir).forEach((h, id) -> {
      if (!owned.contains(id)) {
        log.warn("ending orphaned process {} of instance {} ({})", h.pid(), id, h.info().commandLine().orElse("?"));
        orphans.add(h);
      }
    });
    if (orphans.isEmpty()) {
      return;
    }
    orphans.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + options.stopGrace().toNanos();
    orphans.forEach(h -> ProcessTree.awaitExit(h, deadline));
    List<ProcessHandle> alive = ProcessTree.killForcibly(orphans, KILL_WAIT);
    if (!alive.isEmpty()) {
      log.error("orphaned processes {} survived SIGKILL", alive.stream().map(ProcessHandle::pid).toList());
    }
  }

  // ------------------------------------------------------------------------------------------------ cleanup, close

  /**
   * Removes the folder of a stopped instance (artifact copy, state, logs) and forgets it. Also removes folders
   * left by an earlier server (instances stopped or given up before the restart).
   *
   * @throws IllegalStateException when the instance is not stopped, or a process of it still runs
   */
  public void cleanup(String instanceId) {
    requireOpen();
    String id = checkInstanceId(instanceId);
    SupervisedInstance inst = instances.get(id);
    InstanceDirectory dir = InstanceDirectory.of(instancesDir, id);
    if (inst != null) {
      synchronized (inst) {
        if (inst.state != State.STOPPED) {
          throw new IllegalStateException(
              "instance " + id + " is " + inst.state + " (expected: STOPPED; stop it before cleanup)");
        }
      }
    }
    List<ProcessHandle> running = ProcessTree.marked(instancesDir, id);
    if (!running.isEmpty()) {
      throw new IllegalStateException("instance " + id + " still has running processes "
          + running.stream().map(ProcessHandle::pid).toList() + " (expected: none; stop it before cleanup)");
    }
    instances.remove(id);
    try {
      dir.delete();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir.dir, e);
    }
  }

  /**
   * Stops supervision and drift checks and releases the root. Does not stop instances: they keep running and the
   * next driver on this root adopts them in {@link #recover()}. Use {@link #stopAll(Duration)} first to end them.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    supervisor.shutdown();
    try {
      // A tick may be launching a process or hashing a large artifact; let it finish so no half-done restart stays.
      if (!supervisor.awaitTermination(30, TimeUnit.SECONDS)) {
        supervisor.shutdownNow();
      }
    } catch (InterruptedException e) {
      supervisor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    try {
      rootLock.release();
    } catch (IOException e) {
      log.warn("cannot release the lock on {}: {}", root, e.toString());
    }
    closeQuietly(lockChannel);
    log.info("runtime driver closed; {} instances keep running", instances.values().stream()
        .filter(SupervisedInstance::isRunning).count());
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /** The runtime's root folder. */
  public Path root() {
    return root;
  }

  private OutputLog outputLog(InstanceDirectory dir) {
    return new OutputLog(dir.logs, options.logMaxBytes(), options.logFiles());
  }

  /** Caller holds the instance's monitor. */
  private void writeQuietly(SupervisedInstance inst) {
    try {
      inst.dir.write(inst.record());
    } catch (IOException e) {
      log.error("cannot write {}: {}", inst.dir.stateFile, e.toString());
    }
  }

  /**
   * {@code current} when it is still free (it stays claimed), else a fresh port nobody in this driver holds.
   * May be called under an instance's monitor (portLock is the innermost lock).
   */
  private int allocatePort(int current) {
    synchronized (portLock) {
      if (current > 0 && LoopbackPorts.isFree(current)) {
        claimedPorts.add(current);
        return current;
      }
      claimedPorts.remove(current);
      // The kernel does not hand out a port that is bound, but it may hand out one an instance of ours held a
      // moment ago and is about to bind again after a restart; skip those.
      for (int attempt = 0; attempt < 20; attempt++) {
        int p = LoopbackPorts.any();
        if (claimedPorts.add(p)) {
          return p;
        }
      }
      throw new UncheckedIOException(new IOException("no free loopback port after 20 attempts"));
    }
  }

  private void claimPort(int port) {
    synchronized (portLock) {
      claimedPorts.add(port);
    }
  }

  private void releasePort(int port) {
    synchronized (portLock) {
      claimedPorts.remove(port);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("runtime driver for " + root + " is closed");
    }
  }

  static boolean isValidInstanceId(String id) {
    return INSTANCE_ID.matcher(id).matches() && !id.equals(".") && !id.equals("..");
  }

  private static String checkInstanceId(String id) {
    if (id == null || !isValidInstanceId(id)) {
      throw new IllegalArgumentException(
          "instanceId: " + id + " (expected: [a-zA-Z0-9._-]+, not . or .., safe as a folder name)");
    }
    return id;
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing to do: the lock goes with the channel
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ options

  /**
   * Settings of the driver.
   *
   * @param stopGrace time between SIGTERM and SIGKILL when {@code stop} is given none; 10 s, as
   *     {@code docker stop}
   * @param restartBackoffInitial wait before the first restart after a crash; doubled for each further crash
   * @param restartBackoffMax the longest wait between restarts
   * @param driftCheckInterval how often every artifact copy is re-hashed
   * @param supervisionInterval how often crashes, due restarts and log sizes are checked
   * @param logMaxBytes {@code output.log} is rotated once it has reached this size
   * @param logFiles rotated files kept ({@code output.log.1} … {@code output.log.<logFiles>})
   * @param java what {@code {java}} in a command stands for
   */
  public record Options(Duration stopGrace, Duration restartBackoffInitial, Duration restartBackoffMax,
      Duration driftCheckInterval, Duration supervisionInterval, long logMaxBytes, int logFiles, Path java) {

    /** Validates every setting; messages name the setting, the value and the expectation. */
    public Options {
      requireNonNegative("stopGrace", stopGrace);
      requirePositive("restartBackoffInitial", restartBackoffInitial);
      requirePositive("restartBackoffMax", restartBackoffMax);
      if (restartBackoffInitial.compareTo(restartBackoffMax) > 0) {
        throw new IllegalArgumentException("restartBackoffInitial: " + restartBackoffInitial
            + " (expected: <= restartBackoffMax " + restartBackoffMax + ")");
      }
      requirePositive("driftCheckInterval", driftCheckInterval);
      requirePositive("supervisionInterval", supervisionInterval);
      if (supervisionInterval.toMillis() < 1 || driftCheckInterval.toMillis() < 1) {
        throw new IllegalArgumentException("supervisionInterval: " + supervisionInterval + ", driftCheckInterval: "
            + driftCheckInterval + " (expected: >= 1 ms each)");
      }
      if (logMaxBytes < 1) {
        throw new IllegalArgumentException("logMaxBytes: " + logMaxBytes + " (expected: >= 1)");
      }
      if (logFiles < 1) {
        throw new IllegalArgumentException("logFiles: " + logFiles + " (expected: >= 1)");
      }
      Objects.requireNonNull(java, "java");
    }

    /**
     * Stop grace 10 s; restart backoff 1 s doubling to 30 s; drift check every minute (hashing a 100 MB jar
     * takes about a third of a second, so this costs under 1% of a core while catching tampering within a
     * minute); supervision every second (a crash is noticed within a second, and a tick is one liveness check
     * and one file size per instance); output rotated at 10 MiB keeping 5 files (at most 60 MiB per instance);
     * {@code {java}} is the java of the running JVM.
     */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(30),
          Duration.ofMinutes(1), Duration.ofSeconds(1), 10L * 1024 * 1024, 5,
          Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    /** A copy with another {@link #stopGrace()}. */
    public Options withStopGrace(Duration d) {
      return new Options(d, restartBackoffInitial, restartBackoffMax, driftCheckInterval, supervisionInterval,
          logMaxBytes, logFiles, java);
    }

    /** A copy with another restart backoff: {@code initial}, doubled per crash, at most {@code max}. */
    public Options withRestartBackoff(Duration initial, Duration max) {
      return new Options(stopGrace, initial, max, driftCheckInterval, supervisionInterval, logMaxBytes, logFiles,
          java);
    }

    /** A copy with another {@link #driftCheckInterval()}. */
    public Options withDriftCheckInterval(Duration d) {
      return new Options(stopGrace, restartBackoffInitial, restartBackoffMax, d, supervisionInterval, logMaxBytes,
          logFiles, java);
    }

    /** A copy with another {@link #supervisionInterval()}. */
    public Options withSupervisionInterval(Duration d) {
      return new Options(stopGrace, restartBackoffInitial, restartBackoffMax, driftCheckInterval, d, logMaxBytes,
          logFiles, java);
    }

    /** A copy rotating {@code output.log} at {@code maxBytes}, keeping {@code files} rotated files. */
    public Options withLogRotation(long maxBytes, int files) {
      return new Options(stopGrace, restartBackoffInitial, restartBackoffMax, driftCheckInterval, supervisionInterval,
          maxBytes, files, java);
    }

    /** A copy where {@code {java}} stands for {@code j}. */
    public Options withJava(Path j) {
      return new Options(stopGrace, restartBackoffInitial, restartBackoffMax, driftCheckInterval, supervisionInterval,
          logMaxBytes, logFiles, j);
    }

    private static void requirePositive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
    }

    private static void requireNonNegative(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
      }
    }
  }
}
