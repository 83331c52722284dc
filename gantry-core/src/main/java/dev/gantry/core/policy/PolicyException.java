package dev.gantry.core.policy;

import java.util.List;

/** A definition that does not validate; {@link #problems()} lists every problem, each naming its field. */
public final class PolicyException extends IllegalArgumentException {
  private final List<String> problems;

  public PolicyException(String what, List<String> problems) {
    super(what + ": " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
