package dev.gantry.core.deploy;

import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The blue-green reconciler: a pure function from (spec, deployment, observed instances, smoke result,
 * metrics, now) to a plan of actions, as Nomad's reconciler and Argo Rollouts' blue-green steps are.
 * No I/O, no clock, no threads: the server's loop observes, calls {@link #plan}, carries the actions out,
 * and the next pass observes the result. A crash anywhere is followed by a pass that converges.
 *
 * <pre>
 *  PROVISIONING ──all instances running──▶ VERIFYING ──ready + smoke passed──▶ CUTTING_OVER
 *       │ deadline                              │ deadline / smoke failed            │ route switched
 *       ▼                                       ▼                                    ▼
 *  ROLLING_BACK ◀──────── abort ─────────── (any) ◀── 5xx / p99 / not ready ── POST_VERIFICATION
 *       │ new instances stopped, stable routed                                       │ window passed
 *       ▼                                                                            ▼
 *  ROLLED_BACK                                                                   COMPLETE ─▶ old stopped after scaleDownDelay
 * </pre>
 *
 * Traffic never goes to an unready version: the preview route and the switch require every new instance
 * to be ready, and a rollback routes only to the stable version.
 */
public final class BlueGreenReconciler {

  /** Where a deployment stands. */
  public enum Phase {
    PROVISIONING,
    VERIFYING,
    /** Canary strategy only: stepping through weights, pauses and analyses (see {@link CanaryReconciler}). */
    CANARY,
    CUTTING_OVER,
    POST_VERIFICATION,
    COMPLETE,
    ROLLING_BACK,
    ROLLED_BACK;

    public boolean terminal() {
      return this == COMPLETE || this == ROLLED_BACK;
    }
  }

  /** Reasons, as named constants so that tests, events and the CLI use the same words. */
  public static final String ALL_STARTED = "all instances started";
  public static final String READY_AND_SMOKE_PASSED = "all instances ready and smoke checks passed";
  public static final String SWITCHED = "traffic switched to the new version";
  public static final String VERIFIED = "verification window passed";
  public static final String ROLLED_BACK_DONE = "new instances stopped, traffic on the previous version";
  public static final String ABORTED = "aborted by an operator";
  public static final String START_DEADLINE = "instances did not start before the readiness deadline";
  public static final String READY_DEADLINE = "readiness did not pass before the readiness deadline";
  public static final String SMOKE_FAILED = "smoke check failed";
  public static final String ERROR_RATE = "5xx rate above the limit after the switch";
  public static final String LATENCY = "p99 latency above the limit after the switch";
  public static final String NOT_READY = "new version not ready";

  private BlueGreenReconciler() {}

  /**
   * The deployment as recorded.
   *
   * @param stableSerial the version serving traffic before the deployment (null for a first deployment)
   * @param phaseSince when the current phase began (from the ledger)
   */
  public record Deployment(String id, String service, String targetSerial, String stableSerial, Phase phase,
      Instant phaseSince, boolean halted, boolean abortRequested) {}

  /** One instance as observed (driver state plus the control plane's readiness probe). */
  public record Observed(String instanceId, String serial, boolean running, boolean ready, boolean drifted) {}

  /** The smoke checks against the preview route. */
  public enum Smoke {
    NOT_RUN,
    RUNNING,
    PASSED,
    FAILED
  }

  /**
   * Router counters since the switch, for the new version and the previous one (may be empty).
   */
  public record Window(VersionStats target, VersionStats previous) {}

  /** Everything one pass looks at. */
  public record Input(ServiceSpec spec, Deployment deployment, List<Observed> instances, Smoke smoke,
      String smokeDetail, Window window, Instant now) {}

  /** What the loop should do (the actions of both strategies). */
  public sealed interface Action {}

  /** Start count more instances of serial. */
  public record Start(String serial, int count) implements Action {}

  /** Stop an instance. */
  public record Stop(String instanceId, String reason) implements Action {}

  /** Run the smoke checks through the preview route. */
  public record RunSmoke(String serial) implements Action {}

  /**
   * Route normal traffic to stable and the preview route to preview (either may be null); with a canary,
   * weight percent of the users (and the cohort) go to it.
   */
  public record Route(String stable, String preview, String canary, int weight) implements Action {
    public Route(String stable, String preview) {
      this(stable, preview, null, 0);
    }
  }

  /** Canary: record the move to step (0-based) with the weight now in force (a ledger event). */
  public record SetStep(int step, int weight, String reason) implements Action {}

  /** Canary: stop advancing until someone promotes (a ledger event naming why). */
  public record PauseForHuman(String reason) implements Action {}

  /** Record the move to the next phase with its reason (a ledger event). */
  public record Transition(Phase to, String reason) implements Action {}

  /** Computes the plan of one pass. */
  public static List<Action> plan(Input in) {
    Deployment d = in.deployment();
    List<Action> out = new ArrayList<>();
    List<Observed> target = in.instances().stream().filter(o -> o.serial().equals(d.targetSerial())).toList();
    List<Observed> old = d.stableSerial() == null ? List.of()
        : in.instances().stream().filter(o -> o.serial().equals(d.stableSerial())).toList();
    int want = in.spec().instances();

    // A drifted instance runs something that was not deployed: it leaves the routing and is replaced.
    for (Observed o : in.instances()) {
      if (o.drifted() && o.running()) {
        out.add(new Stop(o.instanceId(), "artifact drift detected"));
      }
    }
    List<Observed> targetRunning = target.stream().filter(o -> o.running() && !o.drifted()).toList();
    long targetReady = targetRunning.stream().filter(Observed::ready).count();

    if (d.abortRequested() && !d.phase().terminal() && d.phase() != Phase.ROLLING_BACK) {
      out.add(new Route(d.stableSerial(), null));
      out.add(new Transition(Phase.ROLLING_BACK, ABORTED));
      return out;
    }
    if (d.halted() && d.phase() != Phase.ROLLING_BACK) {
      // Frozen: keep what runs where it is, replace nothing, move nowhere.
      return out.stream().filter(a -> !(a instanceof Stop)).toList();
    }
    Duration inPhase = Duration.between(d.phaseSince(), in.now());
    switch (d.phase()) {
      case PROVISIONING -> {
        out.add(new Route(d.stableSerial(), null));
        if (targetRunning.size() < want) {
          if (inPhase.compareTo(in.spec().readinessDeadline()) > 0) {
            out.add(new Transition(Phase.ROLLING_BACK, START_DEADLINE));
          } else {
            startMissing(out, d.targetSerial(), target, want);
          }
        } else {
          out.add(new Transition(Phase.VERIFYING, ALL_STARTED));
        }
      }
      case VERIFYING -> {
        boolean allReady = targetRunning.size() >= want && targetReady >= want;
        out.add(new Route(d.stableSerial(), allReady ? d.targetSerial() : null));
        startMissing(out, d.targetSerial(), target, want);
        if (!allReady) {
          if (inPhase.compareTo(in.spec().readinessDeadline()) > 0) {
            out.add(new Transition(Phase.ROLLING_BACK, READY_DEADLINE));
          }
        } else {
          switch (in.smoke()) {
            case NOT_RUN -> out.add(new RunSmoke(d.targetSerial()));
            case RUNNING -> { /* wait for the result */ }
            case PASSED -> out.add(new Transition(Phase.CUTTING_OVER, READY_AND_SMOKE_PASSED));
            case FAILED -> out.add(new Transition(Phase.ROLLING_BACK, SMOKE_FAILED
                + (in.smokeDetail() == null ? "" : ": " + in.smokeDetail())));
          }
        }
      }
      case CUTTING_OVER -> {
        if (targetReady < want) {
          out.add(new Route(d.stableSerial(), null));
          out.add(new Transition(Phase.ROLLING_BACK, NOT_READY));
        } else {
          out.add(new Route(d.targetSerial(), null));
          out.add(new Transition(Phase.POST_VERIFICATION, SWITCHED));
        }
      }
      case POST_VERIFICATION -> {
        String failure = verdict(in.spec().verification(), in.window());
        if (targetReady == 0) {
          failure = NOT_READY;
        }
        if (failure != null) {
          out.add(new Route(d.stableSerial(), null));
          out.add(new Transition(Phase.ROLLING_BACK, failure));
        } else {
          out.add(new Route(d.targetSerial(), null));
          startMissing(out, d.targetSerial(), target, want);
          if (inPhase.compareTo(in.spec().verification().window()) >= 0) {
            out.add(new Transition(Phase.COMPLETE, VERIFIED));
          }
        }
      }
      case ROLLING_BACK -> {
        out.add(new Route(d.stableSerial(), null));
        for (Observed o : target) {
          if (o.running()) {
            out.add(new Stop(o.instanceId(), "rolling back"));
          }
        }
        if (target.stream().noneMatch(Observed::running)) {
          out.add(new Transition(Phase.ROLLED_BACK, ROLLED_BACK_DONE));
        }
      }
      case COMPLETE -> {
        out.add(new Route(d.targetSerial(), null));
        startMissing(out, d.targetSerial(), target, want); // steady state: crashed or drifted ones come back
        if (inPhase.compareTo(in.spec().scaleDownDelay()) >= 0) {
          for (Observed o : old) {
            if (o.running()) {
              out.add(new Stop(o.instanceId(), "previous version no longer needed (scaleDownDelay passed)"));
            }
          }
        }
      }
      case ROLLED_BACK -> {
        out.add(new Route(d.stableSerial(), null));
        if (d.stableSerial() != null) {
          startMissing(out, d.stableSerial(), old, want);
        }
        for (Observed o : target) {
          if (o.running()) {
            out.add(new Stop(o.instanceId(), "deployment rolled back"));
          }
        }
      }
    }
    return out;
  }

  /**
   * Starts what is missing. Instances that exist but do not run yet (starting, or crashed and being
   * restarted by the driver) count as present, so a pass never starts them twice; drifted ones do not.
   */
  private static void startMissing(List<Action> out, String serial, List<Observed> target, int want) {
    long present = target.stream().filter(o -> !o.drifted()).count();
    if (present < want) {
      out.add(new Start(serial, (int) (want - present)));
    }
  }

  /**
   * The post-switch verdict: null when fine (or too little data yet), otherwise the reason to roll back.
   * Errors: 5xx / requests above maxErrorRate. Latency: p99 above maxP99Ratio × the previous version's p99.
   */
  public static String verdict(ServiceSpec.Verification v, Window w) {
    if (w == null || w.target() == null || w.target().requests() < v.minRequests()) {
      return null;
    }
    BigDecimal rate = BigDecimal.valueOf(w.target().errors5xx())
        .divide(BigDecimal.valueOf(w.target().requests()), MathContext.DECIMAL64);
    if (rate.compareTo(v.maxErrorRate()) > 0) {
      return ERROR_RATE + " (" + rate.movePointRight(2).round(new MathContext(3)).toPlainString() + "% of "
          + w.target().requests() + " requests; limit " + v.maxErrorRate().movePointRight(2).toPlainString() + "%)";
    }
    if (w.previous() != null && w.previous().requests() >= v.minRequests()) {
      long p99 = w.target().quantileMicros(0.99);
      long base = Math.max(1, w.previous().quantileMicros(0.99));
      if (BigDecimal.valueOf(p99).compareTo(v.maxP99Ratio().multiply(BigDecimal.valueOf(base))) > 0) {
        return LATENCY + " (" + p99 + " µs vs " + base + " µs before; limit " + v.maxP99Ratio().toPlainString() + "x)";
      }
    }
    return null;
  }
}
