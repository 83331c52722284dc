package dev.gantry.core.policy;

import java.util.List;

/** The outcome of evaluating an environment's policy for one release: allowed when every rule passed. */
public record PolicyDecision(String environment, List<RuleVerdict> verdicts) {
  public PolicyDecision {
    verdicts = List.copyOf(verdicts);
  }

  public boolean allowed() {
    return verdicts.stream().allMatch(RuleVerdict::passed);
  }

  public List<RuleVerdict> failed() {
    return verdicts.stream().filter(v -> !v.passed()).toList();
  }
}
