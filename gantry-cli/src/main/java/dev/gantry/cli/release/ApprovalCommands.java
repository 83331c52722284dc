package dev.gantry.cli.release;

import dev.gantry.cli.CliConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry approve} and {@code gantry reject}: a human approver's decision on an artifact for an environment. */
public final class ApprovalCommands {
  private ApprovalCommands() {}

  abstract static class Decide implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Option(names = "--serial", required = true, description = "the artifact, e.g. A-000042")
    String serial;

    @Option(names = "--env", required = true, description = "the environment, e.g. prod")
    String env;

    @Option(names = "--comment", description = "kept in the ledger with the decision")
    String comment;

    abstract String decision();

    @Override
    public Integer call() {
      Map<String, Object> r = CliConfig.client().decideRelease(service, serial, env, decision(), comment);
      spec.commandLine().getOut().printf("%s %s %s of %s for %s (sha256:%s; ledger seq %s)%n", r.get("account"),
          decision().equals("approve") ? "approved" : "rejected", serial, service, env, r.get("digest"), r.get("seq"));
      return 0;
    }
  }

  /** {@code gantry approve SERVICE --serial S --env prod [--comment ...]}. */
  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = "Approve an artifact for an environment (a human approver who neither registered nor authored it)."
          + " Bound to the artifact's digest; expires as the environment says.")
  public static final class Approve extends Decide {
    @Override
    String decision() {
      return "approve";
    }
  }

  /** {@code gantry reject SERVICE --serial S --env prod [--comment ...]}. */
  @Command(name = "reject", mixinStandardHelpOptions = true,
      description = "Reject an artifact for an environment: it cannot be released there (a new artifact is needed).")
  public static final class Reject extends Decide {
    @Override
    String decision() {
      return "reject";
    }
  }
}
