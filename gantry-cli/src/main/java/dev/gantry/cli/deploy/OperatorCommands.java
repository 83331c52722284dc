package dev.gantry.cli.deploy;

import dev.gantry.cli.CliConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The operator's levers: rollback, abort, halt, resume; and logs. */
public final class OperatorCommands {
  private OperatorCommands() {}

  /** {@code gantry rollback SERVICE}. */
  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Roll back: abort a deployment in progress, or deploy the previous version again.")
  public static final class Rollback implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Option(names = "--reason", description = "why (kept in the ledger; required with --break-glass)")
    String reason;

    @Option(names = "--break-glass", description = "redeploy the previous version past its environment's failing rules"
        + " (expired approvals, a freeze); flagged in the ledger")
    boolean breakGlass;

    @Override
    public Integer call() {
      Map<String, Object> d;
      try {
        d = breakGlass ? CliConfig.client().rollback(service, reason, true) : CliConfig.client().rollback(service, reason);
      } catch (dev.gantry.client.GantryApiException e) {
        if (dev.gantry.cli.release.Verdicts.printRefusal(spec.commandLine().getErr(), e)) {
          return 1;
        }
        throw e;
      }
      spec.commandLine().getOut().printf("%s: %s (deployment %s, %s)%n", service,
          Boolean.TRUE.equals(d.get("abortRequested")) ? "rolling back" : "redeploying " + d.get("serial"), d.get("id"),
          d.get("phase"));
      return 0;
    }
  }

  /** {@code gantry abort SERVICE}. */
  @Command(name = "abort", mixinStandardHelpOptions = true,
      description = "Abort the deployment in progress: traffic back to the stable version at once.")
  public static final class Abort implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Option(names = "--reason", description = "why (kept in the ledger)")
    String reason;

    @Override
    public Integer call() {
      Map<String, Object> d = CliConfig.client().abort(service, reason);
      spec.commandLine().getOut().printf("%s: deployment %s aborting%n", service, d.get("id"));
      return 0;
    }
  }

  /** {@code gantry promote SERVICE [--full]}. */
  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = "Promote a canary past its current step (a pause, an analysis, a wait for a human), or with --full to all traffic.")
  public static final class Promote implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Option(names = "--full", description = "skip the remaining steps: all traffic to the canary now")
    boolean full;

    @Override
    public Integer call() {
      Map<String, Object> d = CliConfig.client().promote(service, full);
      spec.commandLine().getOut().printf("%s: deployment %s promoted%s%n", service, d.get("id"),
          full ? " to full" : " past its current step");
      return 0;
    }
  }

  /** {@code gantry halt [SERVICE]}. */
  @Command(name = "halt", mixinStandardHelpOptions = true,
      description = "Freeze a service (or all): nothing progresses and no deployment starts until resumed.")
  public static final class Halt implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", description = "the service (default: all)")
    String service;

    @Option(names = "--reason", description = "why (kept in the ledger)")
    String reason;

    @Override
    public Integer call() {
      CliConfig.client().halt(service, reason);
      spec.commandLine().getOut().printf("%s halted%n", service == null ? "all services" : service);
      return 0;
    }
  }

  /** {@code gantry resume [SERVICE]}. */
  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Lift a halt.")
  public static final class Resume implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", description = "the service (default: the halt of all)")
    String service;

    @Override
    public Integer call() {
      CliConfig.client().resume(service);
      spec.commandLine().getOut().printf("%s resumed%n", service == null ? "all services" : service);
      return 0;
    }
  }

  /** {@code gantry logs SERVICE [--lines N]}. */
  @Command(name = "logs", mixinStandardHelpOptions = true, description = "The last lines of each instance's output.")
  public static final class Logs implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Option(names = "--lines", defaultValue = "50", description = "lines per instance (default 50)")
    int lines;

    @Option(names = "--follow", description = "keep printing new output")
    boolean follow;

    @Override
    public Integer call() throws InterruptedException {
      var out = spec.commandLine().getOut();
      var client = CliConfig.client();
      java.util.List<String> shown = client.logs(service, lines).lines().toList();
      shown.forEach(out::println);
      out.flush();
      while (follow) {
        Thread.sleep(1000); // polling interval of --follow; a person is watching
        java.util.List<String> now = client.logs(service, 500).lines().toList();
        // Print what follows the last line already shown (the tail window slides as output grows).
        int from = shown.isEmpty() ? 0 : now.lastIndexOf(shown.getLast()) + 1;
        for (String l : now.subList(Math.max(0, from), now.size())) {
          out.println(l);
        }
        out.flush();
        if (!now.isEmpty()) {
          shown = now;
        }
      }
      return 0;
    }
  }
}
