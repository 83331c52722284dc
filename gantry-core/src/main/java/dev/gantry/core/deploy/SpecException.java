package dev.gantry.core.deploy;

import java.util.List;

/** A service spec that does not validate; {@link #problems()} lists every problem, each naming its field. */
public final class SpecException extends IllegalArgumentException {
  private final List<String> problems;

  public SpecException(List<String> problems) {
    super("service spec: " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
