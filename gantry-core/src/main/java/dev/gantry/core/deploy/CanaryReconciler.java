package dev.gantry.core.deploy;

import dev.gantry.core.analysis.CanaryAnalysis.Verdict;
import dev.gantry.core.deploy.BlueGreenReconciler.Action;
import dev.gantry.core.deploy.BlueGreenReconciler.Deployment;
import dev.gantry.core.deploy.BlueGreenReconciler.Input;
import dev.gantry.core.deploy.BlueGreenReconciler.Observed;
import dev.gantry.core.deploy.BlueGreenReconciler.PauseForHuman;
import dev.gantry.core.deploy.BlueGreenReconciler.Phase;
import dev.gantry.core.deploy.BlueGreenReconciler.Route;
import dev.gantry.core.deploy.BlueGreenReconciler.SetStep;
import dev.gantry.core.deploy.BlueGreenReconciler.Start;
import dev.gantry.core.deploy.BlueGreenReconciler.Transition;
import dev.gantry.core.deploy.ServiceSpec.AnalysisStep;
import dev.gantry.core.deploy.ServiceSpec.Pause;
import dev.gantry.core.deploy.ServiceSpec.SetWeight;
import dev.gantry.core.deploy.ServiceSpec.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The canary reconciler: a pure function from (spec, deployment, canary state, observed instances,
 * analysis verdicts, now) to a plan, as Argo Rollouts' {@code canary.go} runs its ordered steps. It shares
 * provisioning, verification (readiness + smoke through the preview route) and rolling back with
 * {@link BlueGreenReconciler}; instead of one switch it walks the spec's steps.
 *
 * <pre>
 *  PROVISIONING ─▶ VERIFYING ──ready + smoke──▶ CANARY: step 0 … step n-1 ──last step done + pass / promote --full──▶ COMPLETE
 *                                                 │ setWeight N : weight N, next step at once (raising a weight above 0
 *                                                 │               waits for a background pass at the weight in force)
 *                                                 │ pause 30s   : next step after 30 s (or on promote)
 *                                                 │ pause       : next step on promote
 *                                                 │ analysis    : next step when the step's analysis passes
 *                                                 │ inconclusive longer than inconclusiveTimeout: pause for a human
 *                                                 ▼
 *   ROLLING_BACK ◀── background or step analysis fails (even when halted) / no canary instance ready / abort
 *   (halted: weights and cohort stay, nothing advances; analysis keeps reporting, and a failure still pulls it)
 * </pre>
 *
 * <p>Inconclusive is not a pass: no weight above the first and no completion without a conclusive
 * background pass at the weight in force. An operator's {@code gantry promote} overrides that gate, and the
 * step's reason in the ledger says it did.
 */
public final class CanaryReconciler {
  public static final String CANARY_STARTED = "canary instances ready and smoke checks passed; canary begins";
  public static final String ALL_STEPS_DONE = "all canary steps passed; all traffic on the new version";
  public static final String PROMOTED_FULL = "promoted to full by an operator; all traffic on the new version";
  public static final String PROMOTED = "promoted by an operator";
  public static final String PROMOTED_LAST = "promoted past the last step by an operator; all traffic on the new version";
  public static final String PAUSE_ENDED = "pause ended";
  public static final String ANALYSIS_FAILED = "canary analysis failed";
  public static final String STEP_ANALYSIS_PASSED = "step analysis passed";
  public static final String INCONCLUSIVE = "analysis inconclusive for longer than inconclusiveTimeout; waiting for a human (gantry promote or gantry abort)";
  public static final String NO_CANARY_READY = "no canary instance is ready";

  private CanaryReconciler() {}

  /** The last verdict of one kind of analysis (background, or the current analysis step's), or null. */
  public record Analysis(Verdict verdict, String summary) {}

  /**
   * Where a canary stands, from the ledger.
   *
   * @param step the current step (0-based; == steps.size() when all are done)
   * @param weight the weight in force
   * @param stepSince when the current step began
   * @param promote null, "step" (advance past the current step) or "full" (skip to the end)
   * @param pausedReason non-null while waiting for a human
   * @param background the background analysis' last verdict (null before the first run)
   * @param stepAnalysis the current analysis step's last verdict (null before its first run)
   * @param inconclusiveSince since when the background analysis has been inconclusive without a break (or null);
   *     a step change does not restart it, an operator's promotion does
   * @param passedAtWeight whether a background run passed while the current weight was in force, on enough
   *     canary requests at it to count ({@link #countsForWeight})
   */
  public record State(int step, int weight, Instant stepSince, String promote, String pausedReason,
      Analysis background, Analysis stepAnalysis, Instant inconclusiveSince, boolean passedAtWeight) {
    public static State initial(Instant now) {
      return new State(0, 0, now, null, null, null, null, null, false);
    }

    /** A state with no pass recorded at the current weight. */
    public State(int step, int weight, Instant stepSince, String promote, String pausedReason, Analysis background,
        Analysis stepAnalysis, Instant inconclusiveSince) {
      this(step, weight, stepSince, promote, pausedReason, background, stepAnalysis, inconclusiveSince, false);
    }
  }

  /** Computes the plan of one pass. {@code state} may be null before the canary phase. */
  public static List<Action> plan(Input in, State state) {
    Deployment d = in.deployment();
    ServiceSpec.Canary canary = in.spec().canary();
    if (canary == null) {
      throw new IllegalArgumentException("spec of " + d.service() + ": strategy " + in.spec().strategy()
          + " (expected: canary)");
    }
    if (d.phase() != Phase.CANARY) {
      // Provisioning, verifying, rolling back and the end states are the blue-green ones; where blue-green
      // would cut over, the canary begins instead.
      List<Action> out = new ArrayList<>();
      for (Action a : BlueGreenReconciler.plan(in)) {
        if (a instanceof Transition t && t.to() == Phase.CUTTING_OVER) {
          out.add(new Transition(Phase.CANARY, CANARY_STARTED));
          out.add(new SetStep(0, 0, "canary begins: " + canary.steps().size() + " steps"));
        } else {
          out.add(a);
        }
      }
      return out;
    }
    if (state == null) {
      state = State.initial(d.phaseSince());
    }
    List<Action> out = new ArrayList<>();
    List<Observed> target = in.instances().stream().filter(o -> o.serial().equals(d.targetSerial())).toList();
    for (Observed o : in.instances()) {
      if (o.drifted() && o.running()) {
        out.add(new BlueGreenReconciler.Stop(o.instanceId(), "artifact drift detected"));
      }
    }
    long targetReady = target.stream().filter(o -> o.running() && !o.drifted() && o.ready()).count();
    Route current = new Route(d.stableSerial(), null, d.targetSerial(), state.weight());

    if (d.abortRequested()) {
      out.add(new Route(d.stableSerial(), null));
      out.add(new Transition(Phase.ROLLING_BACK, BlueGreenReconciler.ABORTED));
      return out;
    }
    List<Step> steps = canary.steps();
    Step step = state.step() < steps.size() ? steps.get(state.step()) : null;
    // A failing canary is pulled even while halted: a halt stops it from advancing, never from being rolled
    // back (safety over advancing). Checked before the halt for that reason.
    if (state.background() != null && state.background().verdict() == Verdict.FAIL) {
      out.add(new Route(d.stableSerial(), null));
      out.add(new Transition(Phase.ROLLING_BACK, ANALYSIS_FAILED + ": " + state.background().summary()));
      return out;
    }
    if (step instanceof AnalysisStep && state.stepAnalysis() != null
        && state.stepAnalysis().verdict() == Verdict.FAIL) {
      out.add(new Route(d.stableSerial(), null));
      out.add(new Transition(Phase.ROLLING_BACK, ANALYSIS_FAILED + " (step " + (state.step() + 1) + "): "
          + state.stepAnalysis().summary()));
      return out;
    }
    if (d.halted()) {
      // Frozen: what runs keeps running where it is, nothing advances; analysis still reports, and a failure
      // (above) still pulls the canary.
      out.removeIf(a -> a instanceof BlueGreenReconciler.Stop);
      out.add(current);
      return out;
    }
    if (targetReady == 0) {
      out.add(new Route(d.stableSerial(), null));
      out.add(new Transition(Phase.ROLLING_BACK, NO_CANARY_READY));
      return out;
    }
    startMissing(out, d.targetSerial(), target, in.spec().instances());
    boolean promoted = "step".equals(state.promote());
    if ("full".equals(state.promote())) {
      out.add(new Route(d.targetSerial(), null));
      out.add(new Transition(Phase.COMPLETE, PROMOTED_FULL));
      return out;
    }
    int next = state.step() + 1;
    if (state.pausedReason() != null) {
      // Waiting for a human: only a promotion moves on (and applies the step's weight, if it sets one).
      if (promoted) {
        return promote(out, d, state, step);
      }
      out.add(current);
      return out;
    }
    if (promoted) {
      return promote(out, d, state, step);
    }
    if (state.inconclusiveSince() != null
        && Duration.between(state.inconclusiveSince(), in.now()).compareTo(canary.analysis().inconclusiveTimeout()) > 0) {
      // Inconclusive is not a pass: after the timeout nothing advances on its own, whatever the step.
      out.add(current);
      out.add(new PauseForHuman(INCONCLUSIVE + (state.background() == null ? "" : " (" + state.background().summary()
          + ")")));
      return out;
    }
    if (step == null) {
      out.add(current);
      if (passedAtWeight(state)) {
        out.set(out.size() - 1, new Route(d.targetSerial(), null));
        out.add(new Transition(Phase.COMPLETE, ALL_STEPS_DONE));
      }
      return out;
    }
    Duration inStep = Duration.between(state.stepSince(), in.now());
    switch (step) {
      case SetWeight w -> {
        if (w.percent() > state.weight() && state.weight() > 0 && !passedAtWeight(state)) {
          // Raising the share needs a pass at the share in force; the first exposure (from 0) is what makes data.
          out.add(current);
          return out;
        }
        out.add(new Route(d.stableSerial(), null, d.targetSerial(), w.percent()));
        out.add(new SetStep(next, w.percent(), "weight set to " + w.percent() + "%"));
        return out;
      }
      case Pause p -> {
        out.add(current);
        if (p.duration() != null && inStep.compareTo(p.duration()) >= 0) {
          out.add(new SetStep(next, state.weight(), PAUSE_ENDED + " (" + ServiceSpec.format(p.duration()) + ")"));
        }
        return out;
      }
      case AnalysisStep a -> {
        out.add(current);
        Analysis r = state.stepAnalysis();
        if (r != null && r.verdict() == Verdict.PASS) {
          out.add(new SetStep(next, state.weight(), STEP_ANALYSIS_PASSED + ": " + r.summary()));
        } else if (inStep.compareTo(canary.analysis().inconclusiveTimeout()) > 0) {
          out.add(new PauseForHuman(INCONCLUSIVE + (r == null ? "" : " (" + r.summary() + ")")));
        }
        return out;
      }
    }
  }

  /**
   * The gate before more traffic and before completion: the background analysis' latest verdict is a pass,
   * and a pass that counts for the weight was recorded while the current weight was in force.
   */
  static boolean passedAtWeight(State state) {
    return state.background() != null && state.background().verdict() == Verdict.PASS && state.passedAtWeight();
  }

  /**
   * Whether a background run counts as the pass at the weight in force: it passed, and it saw at least
   * {@code minRequests} canary requests since the current step began. The background window accumulates from
   * the canary's start, so without the second condition the first run after a raise (at most one interval
   * later) would pass on data almost all from the old weight.
   *
   * @param stepRequests the canary requests since the current step began (weights change only with a step, so
   *     these were all served at the weight in force)
   */
  public static boolean countsForWeight(Verdict verdict, long stepRequests, int minRequests) {
    return verdict == Verdict.PASS && stepRequests >= minRequests;
  }

  /**
   * What the canary waits for, for people ({@code gantry status}): "waiting for a passing analysis at 10%" while
   * a raise or the completion is held by the gate, else null (a pause, an analysis step, a halt or a pause for a
   * human say so elsewhere).
   */
  public static String waiting(ServiceSpec.Canary canary, State state, boolean halted) {
    if (halted || state.pausedReason() != null || state.promote() != null || passedAtWeight(state)) {
      return null;
    }
    Step step = state.step() < canary.steps().size() ? canary.steps().get(state.step()) : null;
    boolean gated = step == null || step instanceof SetWeight w && w.percent() > state.weight() && state.weight() > 0;
    if (!gated) {
      return null;
    }
    String why = state.background() == null ? "no analysis yet"
        : state.background().verdict() == Verdict.PASS ? "no pass yet on " + canary.analysis().minRequests()
            + " canary requests at this weight"
        : "last verdict " + state.background().verdict().word();
    return "waiting for a passing analysis at " + state.weight() + "% (" + why + ")";
  }

  /** An operator's promotion past the current step: it overrides the gates, and the step's reason says so. */
  private static List<Action> promote(List<Action> out, Deployment d, State state, Step step) {
    if (step == null) {
      out.add(new Route(d.targetSerial(), null));
      out.add(new Transition(Phase.COMPLETE, PROMOTED_LAST + (passedAtWeight(state)
          ? " (the analysis had passed at " + state.weight() + "%)"
          : " without a passing analysis at " + state.weight() + "%")));
      return out;
    }
    int weight = step instanceof SetWeight w ? Math.max(w.percent(), state.weight()) : state.weight();
    out.add(new Route(d.stableSerial(), null, d.targetSerial(), weight));
    out.add(new SetStep(state.step() + 1, weight, PROMOTED + (weight != state.weight() ? ": weight set to " + weight
        + "%" : "") + (passedAtWeight(state) ? "" : " without a passing analysis")));
    return out;
  }

  private static void startMissing(List<Action> out, String serial, List<Observed> target, int want) {
    long present = target.stream().filter(o -> !o.drifted()).count();
    if (present < want) {
      out.add(new Start(serial, (int) (want - present)));
    }
  }
}
