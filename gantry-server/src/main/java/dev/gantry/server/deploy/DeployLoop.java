package dev.gantry.server.deploy;

import dev.gantry.core.analysis.CanaryAnalysis;
import dev.gantry.core.analysis.CanaryAnalysis.Verdict;
import dev.gantry.core.deploy.BlueGreenReconciler;
import dev.gantry.core.deploy.CanaryReconciler;
import dev.gantry.core.deploy.BlueGreenReconciler.Action;
import dev.gantry.core.deploy.BlueGreenReconciler.Deployment;
import dev.gantry.core.deploy.BlueGreenReconciler.Observed;
import dev.gantry.core.deploy.BlueGreenReconciler.Phase;
import dev.gantry.core.deploy.BlueGreenReconciler.Smoke;
import dev.gantry.core.deploy.BlueGreenReconciler.Window;
import dev.gantry.core.deploy.RuntimeDriver;
import dev.gantry.core.deploy.RuntimeDriver.InstanceSpec;
import dev.gantry.core.deploy.RuntimeDriver.InstanceStatus;
import dev.gantry.core.deploy.ServiceSpec;
import dev.gantry.core.deploy.TrafficRouter;
import dev.gantry.core.deploy.TrafficRouter.RouteTable;
import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.AnalysisMetric;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAnalysisRecorded;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPaused;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPhaseChanged;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStepChanged;
import dev.gantry.core.ledger.LedgerEvent.DeploymentSmokeChecked;
import dev.gantry.core.ledger.LedgerEvent.InstanceDrifted;
import dev.gantry.core.ledger.LedgerEvent.InstanceStarted;
import dev.gantry.core.ledger.LedgerEvent.InstanceStopped;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.store.BlobStore;
import dev.gantry.store.DeployQueries;
import dev.gantry.store.DeployQueries.DeploymentRow;
import dev.gantry.store.DeployQueries.InstanceRow;
import dev.gantry.store.DeployQueries.ServiceRow;
import dev.gantry.store.JdbcLedgerStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The control loop: every tick, for each service, observe (projections, the runtime driver, probes, the
 * router's counters), ask {@link BlueGreenReconciler#plan} what to do, and do it. Every change of state
 * is a ledger event; in-memory state (probe results, a running smoke check, the post-switch baseline) is
 * only a cache that the next pass rebuilds, so a server restart at any point converges.
 *
 * <pre>
 *   tick ─▶ observe: projection rows + driver.inspect + Prober + router.stats
 *        ─▶ BlueGreenReconciler.plan(spec, deployment, observed, smoke, window, now)
 *        ─▶ Start → driver.start + instance.started     Stop → (worker) driver.stop + instance.stopped
 *           Route → router.apply(ready instances only)   RunSmoke → (worker) preview checks → smoke-checked
 *           Transition → deployment.phase-changed (with its reason)
 * </pre>
 *
 * <p>Threading: ticks run on one scheduler thread, so the maps below are touched by it alone, except
 * {@link #stopping} and {@link #smokeRuns}, which workers complete (concurrent collections).
 */
@Component
class DeployLoop implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(DeployLoop.class);
  /** Often enough that a failed version is pulled within a second of the verdict. */
  static final Duration TICK = Duration.ofMillis(200);
  static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final JdbcLedgerStore store;
  private final DeployQueries queries;
  private final BlobStore blobs;
  private final RuntimeDriver driver;
  private final TrafficRouter router;
  private final DeployService deploys;
  private final Clock clock;
  private final Prober prober = new Prober();
  private final SmokeRunner smoke = new SmokeRunner();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("gantry-deploy-loop").daemon(true).factory());
  private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("gantry-deploy-worker-", 0).factory());
  private final Set<String> stopping = ConcurrentHashMap.newKeySet();
  private final Map<String, CompletableFuture<SmokeRunner.Result>> smokeRuns = new ConcurrentHashMap<>();
  private final Map<String, Baseline> baselines = new HashMap<>();
  private final Map<String, RouteTable> applied = new ConcurrentHashMap<>(); // read by `status` requests
  private volatile boolean running;

  /** Router counters at the moment of the switch: the post-verification window counts from here. */
  private record Baseline(VersionStats target, VersionStats previous) {}

  /** Canary: counters at the canary's start and at the current step's start, and when analysis last ran. */
  private final Map<String, Baseline> canaryBaselines = new HashMap<>();
  private final Map<String, Baseline> stepBaselines = new HashMap<>();
  private final Map<String, Instant> lastAnalysis = new HashMap<>();
  /**
   * Canaries this process found in progress when it started: their ledger's pass was on data the router no
   * longer has, so the gate stays closed until a pass on fresh data counts.
   */
  private final Set<String> resumedCanaries = new HashSet<>();
  /** What a canary's gate is waiting for (read by `status` requests), by deployment id. */
  private final Map<String, String> waiting = new ConcurrentHashMap<>();
  private final Map<String, VersionKeeper.View> currentView = new ConcurrentHashMap<>();
  private final VersionKeeper versions;
  private final Map<String, Baseline> warmBaselines = new HashMap<>();

  private final io.micrometer.core.instrument.MeterRegistry meters;
  private final Set<String> metered = ConcurrentHashMap.newKeySet();

  DeployLoop(JdbcLedgerStore store, DeployQueries queries, BlobStore blobs, RuntimeDriver driver,
      TrafficRouter router, DeployService deploys, Clock clock, io.micrometer.core.instrument.MeterRegistry meters,
      VersionKeeper versions) {
    this.meters = meters;
    this.versions = versions;
    this.store = store;
    this.queries = queries;
    this.blobs = blobs;
    this.driver = driver;
    this.router = router;
    this.deploys = deploys;
    this.clock = clock;
  }

  @Override
  public void start() {
    adoptAfterRestart();
    running = true;
    scheduler.scheduleWithFixedDelay(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    running = false;
    scheduler.shutdownNow();
    workers.shutdown();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /**
   * Runs a pass now instead of at the next tick: an operator's abort, promote, halt or resume takes effect in
   * milliseconds. The pass runs on the loop's own thread, so it never overlaps a tick.
   */
  void wake() {
    if (running) {
      scheduler.execute(this::tick);
    }
  }

  /** Instances the ledger says run, but the driver could not adopt, are recorded as gone. */
  private void adoptAfterRestart() {
    Set<String> adopted = new HashSet<>();
    for (InstanceStatus s : driver.recover()) {
      adopted.add(s.instanceId());
    }
    for (ServiceRow svc : queries.services()) {
      for (InstanceRow row : queries.liveInstances(svc.name())) {
        if (!adopted.contains(row.id())) {
          append(new InstanceStopped(row.id(), svc.name(), "not running after a server restart"));
        }
      }
    }
  }

  void tick() {
    for (ServiceRow svc : queries.services()) {
      try {
        reconcile(svc);
      } catch (RuntimeException e) {
        log.warn("reconciling {} failed: {}", svc.name(), e.toString());
      }
    }
  }

  private void reconcile(ServiceRow svc) {
    Optional<DeploymentRow> latest = queries.latestDeployment(svc.name());
    if (latest.isEmpty()) {
      return;
    }
    DeploymentRow dep = latest.get();
    ServiceSpec spec = ServiceSpec.parseStored(Json.parseObject(svc.spec()));
    Instant now = clock.instant();
    List<Observed> observed = observe(svc.name(), spec, now);
    if (!probed(observed)) {
      // After a server start the probes know nothing yet: "not ready" would be a guess, and acting on
      // it could roll back a healthy version. Wait for every running instance's first answer.
      return;
    }

    Smoke smokeState = Smoke.NOT_RUN;
    String smokeDetail = null;
    if (dep.smoke().equals("PASSED")) {
      smokeState = Smoke.PASSED;
    } else if (dep.smoke().equals("FAILED")) {
      smokeState = Smoke.FAILED;
      smokeDetail = smokeRuns.containsKey(dep.id()) && smokeRuns.get(dep.id()).isDone()
          ? smokeRuns.get(dep.id()).join().detail() : null;
    } else if (smokeRuns.containsKey(dep.id())) {
      CompletableFuture<SmokeRunner.Result> f = smokeRuns.get(dep.id());
      if (f.isDone()) {
        SmokeRunner.Result r = f.join();
        append(new DeploymentSmokeChecked(dep.id(), svc.name(), r.passed(), r.detail()));
        smokeState = r.passed() ? Smoke.PASSED : Smoke.FAILED;
        smokeDetail = r.detail();
      } else {
        smokeState = Smoke.RUNNING;
      }
    }

    Phase phase = Phase.valueOf(dep.phase());
    Window window = null;
    if (phase == Phase.POST_VERIFICATION) {
      Baseline b = baselines.computeIfAbsent(dep.id(), k -> new Baseline(router.stats(svc.name(), dep.serial()),
          dep.fromSerial() == null ? VersionStats.empty() : router.stats(svc.name(), dep.fromSerial())));
      window = new Window(router.stats(svc.name(), dep.serial()).minus(b.target()), b.previous());
    }
    Deployment d = new Deployment(dep.id(), svc.name(), dep.serial(), dep.fromSerial(), phase,
        Instant.parse(dep.phaseSince()), deploys.halted(svc.name()), dep.abortRequested());
    BlueGreenReconciler.Input input = new BlueGreenReconciler.Input(spec, d, observed, smokeState, smokeDetail, window,
        now);
    List<Action> plan;
    if (phase == Phase.CANARY && !spec.isCanary()) {
      // The spec was re-applied as blue-green in the middle of a canary: the safe way out is back.
      plan = List.of(new BlueGreenReconciler.Route(dep.fromSerial(), null),
          new BlueGreenReconciler.Transition(Phase.ROLLING_BACK, "strategy changed during the canary"));
    } else if (spec.isCanary() && dep.fromSerial() != null) {
      CanaryReconciler.State cs = phase == Phase.CANARY ? canaryState(svc.name(), spec, dep, d.halted(), now) : null;
      plan = CanaryReconciler.plan(input, cs);
      String w = cs == null || plan.stream().anyMatch(a -> a instanceof BlueGreenReconciler.SetStep
          || a instanceof BlueGreenReconciler.Transition || a instanceof BlueGreenReconciler.PauseForHuman) ? null
          : CanaryReconciler.waiting(spec.canary(), cs, d.halted());
      if (w == null) {
        waiting.remove(dep.id());
      } else {
        waiting.put(dep.id(), w);
      }
    } else {
      // Blue-green, and the first deployment of a canary service (there is no stable version to compare with).
      plan = BlueGreenReconciler.plan(input);
    }
    // Side-by-side versions: kept running and addressable; retired ones stop once drained.
    VersionKeeper.View view = versions.pass(svc, spec, latest);
    currentView.put(svc.name(), view);
    boolean steady = phase == Phase.COMPLETE || phase == Phase.ROLLED_BACK;
    Set<String> kept = new HashSet<>(view.runningSerials());
    kept.remove(dep.serial());
    if (phase == Phase.ROLLED_BACK) {
      kept.remove(dep.fromSerial());
    }
    List<Action> actions = new ArrayList<>();
    for (Action a : plan) {
      if (steady && a instanceof BlueGreenReconciler.Stop st && !st.reason().contains("drift")
          && observed.stream().anyMatch(o -> o.instanceId().equals(st.instanceId()) && (kept.contains(o.serial())
          || versions.draining(view, o.serial(), spec, routed(svc.name(), o.serial()))))) {
        // A version that stays side by side is not "no longer needed"; a retired one finishes its requests first.
        continue;
      }
      actions.add(a);
    }
    if (steady) {
      for (String serial : kept) {
        long present = observed.stream().filter(o -> o.serial().equals(serial) && !o.drifted()).count();
        if (present < spec.instances()) {
          actions.add(new BlueGreenReconciler.Start(serial, (int) (spec.instances() - present)));
        }
      }
      for (Observed o : observed) {
        if (o.running() && !view.runningSerials().contains(o.serial()) && !o.serial().equals(dep.serial())
            && !o.serial().equals(dep.fromSerial()) && versions.drained(view, o.serial(), spec,
            routed(svc.name(), o.serial()))) {
          actions.add(new BlueGreenReconciler.Stop(o.instanceId(), "version retired and drained"));
        }
      }
    }
    for (Action a : actions) {
      execute(a, svc.name(), spec, dep, observed);
    }
  }

  /**
   * The canary's state for the reconciler, after running the analysis that is due: background analysis over
   * the whole canary every {@code interval}, and an analysis step's over the step so far. Each run is a
   * ledger event with the numbers behind its verdict.
   */
  private CanaryReconciler.State canaryState(String service, ServiceSpec spec, DeploymentRow dep, boolean halted,
      Instant now) {
    DeployQueries.Canary c = dep.canary();
    CanaryAnalysis.Settings settings = spec.canary().analysis();
    Baseline whole = canaryBaselines.computeIfAbsent(dep.id(), k -> snapshot(service, dep));
    String stepKey = dep.id() + "#" + c.step();
    Baseline step = stepBaselines.computeIfAbsent(stepKey, k -> snapshot(service, dep));
    String verdict = c.verdict();
    String summary = c.verdictSummary();
    String stepVerdict = c.stepVerdict();
    String stepSummary = c.stepSummary();
    String inconclusiveSince = c.inconclusiveSince();
    Instant last = lastAnalysis.get(dep.id());
    if (last == null) {
      // The first sight of this canary since the server started (the CANARY transition sets lastAnalysis
      // otherwise): the router's counters start again from zero, so the first run waits one interval for data
      // rather than recording "too little data" on an empty window, and the gate stays closed until a pass on
      // the data since the start counts.
      last = now;
      lastAnalysis.put(dep.id(), now);
      resumedCanaries.add(dep.id());
    }
    // A pass at the weight in force (the projection keeps the weight of the last pass that counted; weights only
    // grow), unless it was on data from before this process started.
    boolean passedAtWeight = c.passedWeight() == c.weight() && !resumedCanaries.contains(dep.id());
    if (Duration.between(last, now).compareTo(settings.interval()) >= 0) {
      lastAnalysis.put(dep.id(), now);
      // Each metric's spending counts only the runs that tested it (latency is not tested while warming up).
      CanaryAnalysis.TestedRuns tested = new CanaryAnalysis.TestedRuns(c.errorTestedRuns(), c.latencyTestedRuns());
      long run = queries.analysisCount(dep.id());
      VersionStats canaryNow = router.stats(service, dep.serial());
      VersionStats stableNow = router.stats(service, dep.fromSerial());
      // Latency counts from the end of the warm-up: its baseline is taken at the first pass after it.
      Instant canaryStart = Instant.parse(dep.phaseSince());
      Baseline warm = null;
      if (!now.isBefore(canaryStart.plus(settings.latencyWarmup()))) {
        warm = warmBaselines.computeIfAbsent(dep.id(), k -> settings.latencyWarmup().isZero() ? whole
            : new Baseline(canaryNow, stableNow));
      }
      CanaryAnalysis.Result bg = CanaryAnalysis.analyze(canaryNow.minus(whole.target()),
          stableNow.minus(whole.previous()), warm == null ? null : canaryNow.minus(warm.target()),
          warm == null ? null : stableNow.minus(warm.previous()), settings, tested);
      // A pass counts for the weight in force only on enough canary requests since the step began (the whole
      // canary's window would otherwise pass a raised weight on the old weight's data).
      long stepRequests = canaryNow.minus(step.target()).requests();
      boolean counts = CanaryReconciler.countsForWeight(bg.verdict(), stepRequests, settings.minRequests());
      append(analysisEvent(dep, ++run, "background", bg, stepRequests, counts));
      tested = tested.after(bg);
      verdict = bg.verdict().word();
      if (counts) {
        passedAtWeight = true;
        resumedCanaries.remove(dep.id());
      }
      summary = bg.summary();
      // As the projection keeps it: the clock runs while the verdicts leave the gate shut (inconclusive, or a pass
      // that does not count while none has counted at this weight), so a weight without traffic pauses for a human.
      boolean waiting = bg.verdict() == Verdict.INCONCLUSIVE
          || (bg.verdict() == Verdict.PASS && !counts && c.passedWeight() != c.weight());
      if (!waiting) {
        inconclusiveSince = null;
      } else if (inconclusiveSince == null) {
        inconclusiveSince = now.toString();
      }
      boolean analysisStep = c.step() >= 0 && c.step() < spec.canary().steps().size()
          && spec.canary().steps().get(c.step()) instanceof ServiceSpec.AnalysisStep;
      if (analysisStep && !halted) {
        // The step's latency window starts at the later of the step's start and the warm-up's end.
        Baseline latencyFrom = warm == null ? null : warm.target().requests() > step.target().requests() ? warm : step;
        CanaryAnalysis.Result st = CanaryAnalysis.analyze(canaryNow.minus(step.target()),
            stableNow.minus(step.previous()), latencyFrom == null ? null : canaryNow.minus(latencyFrom.target()),
            latencyFrom == null ? null : stableNow.minus(latencyFrom.previous()), settings, tested);
        append(analysisEvent(dep, ++run, "step", st, null, null));
        stepVerdict = st.verdict().word();
        stepSummary = st.summary();
      }
    }
    return new CanaryReconciler.State(Math.max(0, c.step()), c.weight(),
        c.stepSince() == null ? Instant.parse(dep.phaseSince()) : Instant.parse(c.stepSince()), c.promote(),
        c.pausedReason(), analysis(verdict, summary), analysis(stepVerdict, stepSummary),
        inconclusiveSince == null ? null : Instant.parse(inconclusiveSince), passedAtWeight);
  }

  private static CanaryReconciler.Analysis analysis(String verdict, String summary) {
    return verdict == null ? null : new CanaryReconciler.Analysis(Verdict.valueOf(verdict.toUpperCase(java.util.Locale.ROOT)),
        summary);
  }

  private Baseline snapshot(String service, DeploymentRow dep) {
    return new Baseline(router.stats(service, dep.serial()), router.stats(service, dep.fromSerial()));
  }

  private static DeploymentAnalysisRecorded analysisEvent(DeploymentRow dep, long run, String kind,
      CanaryAnalysis.Result r, Long stepRequests, Boolean countsForWeight) {
    return new DeploymentAnalysisRecorded(dep.id(), dep.service(), run, kind, r.verdict().word(), r.tested(),
        r.summary(), r.metrics().stream().map(m -> new AnalysisMetric(m.name(), m.verdict().word(), m.detail(),
            m.numbers())).toList(), stepRequests, countsForWeight);
  }

  private boolean probed(List<Observed> observed) {
    for (Observed o : observed) {
      if (o.running() && !o.drifted() && !prober.known(o.instanceId())) {
        return false;
      }
    }
    return true;
  }

  /** Merges the ledger's view of instances with the driver's and the probes'. */
  private List<Observed> observe(String service, ServiceSpec spec, Instant now) {
    List<Observed> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (InstanceRow row : queries.liveInstances(service)) {
      if (stopping.contains(row.id())) {
        // Leaving: still running until its stop completes (so a rollback ends only when it is gone),
        // but never routed and not counted as present (so its replacement starts at once).
        out.add(new Observed(row.id(), row.serial(), true, false, true));
        continue;
      }
      Optional<InstanceStatus> st = driver.inspect(row.id());
      if (st.isEmpty() || st.get().state() == RuntimeDriver.State.STOPPED) {
        append(new InstanceStopped(row.id(), service, "the runtime no longer has it"));
        continue;
      }
      InstanceStatus s = st.get();
      ids.add(row.id());
      boolean drifted = s.drifted() || row.state().equals("DRIFTED");
      if (s.drifted() && row.state().equals("RUNNING")) {
        append(new InstanceDrifted(row.id(), service, "artifact copy no longer has digest " + s.digest()));
      }
      boolean running = s.state() == RuntimeDriver.State.RUNNING;
      if (running && s.pid() != row.pid()) {
        // The driver restarted a crashed process: the ledger learns its new pid and port, and the new process
        // is not ready until its own probes pass (the old one's results would route traffic to it too early).
        append(new InstanceStarted(row.id(), service, row.serial(), s.port(), s.pid()));
        prober.forget(row.id());
      }
      if (running) {
        prober.probe(row.id(), "ready", s.port(), spec.readiness(), now);
        prober.probe(row.id(), "live", s.port(), spec.liveness(), now);
      }
      boolean dead = running && prober.dead(row.id(), spec.liveness().failureThreshold());
      out.add(new Observed(row.id(), row.serial(), running, running && !dead && prober.ready(row.id()),
          drifted || dead));
    }
    prober.retain(ids);
    return out;
  }

  private void execute(Action a, String service, ServiceSpec spec, DeploymentRow dep, List<Observed> observed) {
    switch (a) {
      case BlueGreenReconciler.Start s -> {
        for (int i = 0; i < s.count(); i++) {
          startInstance(service, spec, s.serial());
        }
      }
      case BlueGreenReconciler.Stop s -> {
        if (stopping.add(s.instanceId())) {
          workers.submit(() -> {
            try {
              driver.stop(s.instanceId(), STOP_GRACE);
              append(new InstanceStopped(s.instanceId(), service, s.reason()));
            } catch (RuntimeException e) {
              log.warn("stopping {} failed: {}", s.instanceId(), e.toString());
            } finally {
              stopping.remove(s.instanceId());
            }
          });
        }
      }
      case BlueGreenReconciler.RunSmoke r -> smokeRuns.computeIfAbsent(dep.id(), k -> smoke.run(spec, router.address()));
      case BlueGreenReconciler.Route r -> route(service, spec, r, observed, dep);
      case BlueGreenReconciler.SetStep st -> {
        append(new DeploymentStepChanged(dep.id(), service, st.step(), st.weight(), st.reason()));
        // The new step's window starts now (its analysis compares only what follows).
        stepBaselines.put(dep.id() + "#" + st.step(), snapshot(service, dep));
        stepBaselines.remove(dep.id() + "#" + dep.canary().step());
      }
      case BlueGreenReconciler.PauseForHuman ph -> append(new DeploymentPaused(dep.id(), service, ph.reason()));
      case BlueGreenReconciler.Transition t -> {
        append(new DeploymentPhaseChanged(dep.id(), service, t.to().name(), t.reason()));
        if (t.to() == Phase.CANARY) {
          canaryBaselines.put(dep.id(), snapshot(service, dep));
          lastAnalysis.put(dep.id(), clock.instant()); // the first run waits one interval for data
        }
        if (t.to() != Phase.CANARY && phase(dep) == Phase.CANARY) {
          canaryBaselines.remove(dep.id());
          warmBaselines.remove(dep.id());
          lastAnalysis.remove(dep.id());
          resumedCanaries.remove(dep.id());
          waiting.remove(dep.id());
          stepBaselines.keySet().removeIf(k -> k.startsWith(dep.id() + "#"));
        }
        if (t.to() == Phase.POST_VERIFICATION) {
          baselines.put(dep.id(), new Baseline(router.stats(service, dep.serial()),
              dep.fromSerial() == null ? VersionStats.empty() : router.stats(service, dep.fromSerial())));
        }
        if (t.to().terminal()) {
          baselines.remove(dep.id());
        }
      }
    }
  }

  private static Phase phase(DeploymentRow dep) {
    return Phase.valueOf(dep.phase());
  }

  private void startInstance(String service, ServiceSpec spec, String serial) {
    ArtifactRecord art = store.stateView(st -> st.artifact(serial)).orElseThrow();
    BlobStore.Blob blob;
    try {
      blob = blobs.get(art.stampedDigest()).orElseThrow(() -> new IllegalStateException(
          "the stored artifact " + serial + " is missing"));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    int next = 1;
    String prefix = service + "-" + serial + "-";
    for (String id : queries.instanceIds(service)) {
      if (id.startsWith(prefix)) {
        next = Math.max(next, Integer.parseInt(id.substring(prefix.length())) + 1);
      }
    }
    List<String> command = new ArrayList<>(spec.command());
    if (!spec.portArg().isEmpty()) {
      command.add(spec.portArg());
    }
    InstanceStatus s = driver.start(new InstanceSpec(prefix + next, service, serial, serial, blob.path(),
        art.stampedDigest(), command, spec.env()));
    append(new InstanceStarted(s.instanceId(), service, serial, s.port(), s.pid()));
  }

  /** Whether the route table in force sends any request to serial (a retired version's drain waits until not). */
  private boolean routed(String service, String serial) {
    RouteTable t = applied.get(service);
    return t != null && t.backends().containsKey(serial);
  }

  /** Applies the route when it changed; only ready, running, undrifted instances receive traffic. */
  private void route(String service, ServiceSpec spec, BlueGreenReconciler.Route r, List<Observed> observed,
      DeploymentRow dep) {
    Map<String, List<String>> backends = new HashMap<>();
    Map<String, String> serials = new HashMap<>();
    VersionKeeper.View view = currentView.get(service);
    Phase phase = Phase.valueOf(dep.phase());
    String stable = r.stable();
    if (view != null && view.defaultSerial() != null && phase.terminal() && r.canary() == null
        && !view.defaultSerial().equals(stable)) {
      stable = view.defaultSerial(); // pinned: the default address stays on the pinned version
    }
    Set<String> versionsToRoute = new java.util.LinkedHashSet<>();
    versionsToRoute.add(stable);
    versionsToRoute.add(r.preview());
    versionsToRoute.add(r.canary());
    if (view != null) {
      versionsToRoute.addAll(view.runningSerials());
    }
    for (String v : versionsToRoute) {
      if (v == null) {
        continue;
      }
      List<String> list = new ArrayList<>();
      for (Observed o : observed) {
        if (o.serial().equals(v) && o.running() && o.ready() && !o.drifted()) {
          driver.inspect(o.instanceId()).ifPresent(st -> list.add("127.0.0.1:" + st.port()));
        }
      }
      list.sort(null);
      backends.put(v, List.copyOf(list));
      serials.put(v, v);
    }
    TrafficRouter.Canary canary = null;
    if (r.canary() != null && spec.isCanary()) {
      ServiceSpec.Cohort co = spec.canary().cohort();
      canary = new TrafficRouter.Canary(r.canary(), r.weight(), dep.id(), co.userHeader(), co.userCookie(), co.users(),
          co.header(), co.headerValue(), co.cookie(), co.cookieValue());
    }
    RouteTable table = new RouteTable(service, spec.route().host(), spec.route().pathPrefix(), stable, r.preview(),
        backends, serials, canary, view == null ? null : versions.routes(view));
    if (!table.equals(applied.get(service))) {
      router.apply(table);
      applied.put(service, table);
      serials.keySet().forEach(v -> meter(service, v));
    }
  }

  /** Exports a version's router counters to Prometheus (once per service and version). */
  private void meter(String service, String version) {
    if (!metered.add(service + "/" + version)) {
      return;
    }
    io.micrometer.core.instrument.FunctionCounter.builder("gantry.router.requests", router,
        r -> r.stats(service, version).requests()).tag("service", service).tag("version", version)
        .description("requests the router forwarded to this version").register(meters);
    io.micrometer.core.instrument.FunctionCounter.builder("gantry.router.errors5xx", router,
        r -> r.stats(service, version).errors5xx()).tag("service", service).tag("version", version)
        .description("5xx answers of this version").register(meters);
    io.micrometer.core.instrument.Gauge.builder("gantry.router.latency.p99.seconds", router,
        r -> r.stats(service, version).quantileMicros(0.99) / 1e6).tag("service", service).tag("version", version)
        .description("p99 latency of this version since the router started (histogram bucket bound)").register(meters);
    io.micrometer.core.instrument.Gauge.builder("gantry.router.clients", router,
        r -> r.stats(service, version).clients().size()).tag("service", service).tag("version", version)
        .description("distinct client ids seen for this version").register(meters);
  }

  private void append(LedgerEvent e) {
    store.append("system", state -> List.of(e));
  }

  /** The router's and the driver's view, for `gantry status`. */
  Map<String, Object> live(String service) {
    Map<String, Object> m = new LinkedHashMap<>();
    RouteTable t = applied.get(service);
    m.put("router", router.address());
    if (t == null) {
      m.put("route", null);
    } else {
      Map<String, Object> route = new LinkedHashMap<>();
      route.put("stable", String.valueOf(t.stable()));
      route.put("preview", String.valueOf(t.preview()));
      if (t.canary() != null) {
        route.put("canary", t.canary().version());
        route.put("weight", (long) t.canary().weight());
      }
      route.put("backends", t.backends());
      m.put("route", route);
    }
    return m;
  }

  /** What the deployment's canary gate is waiting for ("waiting for a passing analysis at 10% (...)"), or null. */
  String waiting(String deploymentId) {
    return waiting.get(deploymentId);
  }

  boolean ready(String instanceId) {
    return prober.ready(instanceId);
  }
}
