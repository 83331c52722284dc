package dev.gantry.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The result of one in-process {@code gantry} invocation. */
public record CliRun(int exit, String out, String err) {

  /** Runs and asserts exit code 0; returns the output. */
  public static String ok(String... args) {
    CliRun r = of(args);
    org.assertj.core.api.Assertions.assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
    return r.out();
  }

  public static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = Gantry.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new CliRun(rc, out.toString(), err.toString());
  }
}
