package dev.gantry.cli.deploy;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.release.Verdicts;
import dev.gantry.client.GantryApiException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry deploy SERVICE --serial S [--env E] [--break-glass --reason R] [--watch]}. */
@Command(name = "deploy", mixinStandardHelpOptions = true,
    description = "Deploy an artifact by the service's strategy (blue-green or canary): provision, verify, switch or step, watch, or roll back by itself.")
public final class DeployCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "the service")
  String service;

  @Option(names = "--serial", required = true, description = "the artifact to deploy, e.g. A-000042")
  String serial;

  @Option(names = "--env", description = "the environment whose policy gates it (default: the default environment)")
  String env;

  @Option(names = "--break-glass", description = "operators only: roll back to an artifact already deployed in this"
      + " environment without new approvals; flagged in the ledger")
  boolean breakGlass;

  @Option(names = "--reason", description = "why (required with --break-glass; kept in the ledger)")
  String reason;

  @Option(names = "--watch", description = "follow the deployment until it completes or rolls back")
  boolean watch;

  @Option(names = "--side-by-side", description = "keep the versions running now: each stays at its own address"
      + " (/SERVICE/vN/, Gantry-Version: vN) until it is retired")
  boolean sideBySide;

  @Override
  public Integer call() throws InterruptedException {
    Map<String, Object> d;
    try {
      d = CliConfig.client().deploy(service, serial, env, breakGlass, reason, sideBySide);
    } catch (GantryApiException e) {
      if (Verdicts.printRefusal(spec.commandLine().getErr(), e)) {
        return 1;
      }
      throw e;
    }
    if ("COMPLETE".equals(d.get("phase"))) { // a promotion of the version already serving: nothing to switch
      spec.commandLine().getOut().printf("deployment %s: %s released into %s (%s)%n", d.get("id"), d.get("serial"),
          d.get("environment"), d.get("reason"));
      return 0;
    }
    spec.commandLine().getOut().printf("deployment %s: %s → %s started%s%s%n", d.get("id"),
        d.get("from") == null ? "(nothing)" : d.get("from"), d.get("serial"),
        d.get("environment") == null || "default".equals(d.get("environment")) ? "" : " in " + d.get("environment"),
        Boolean.TRUE.equals(d.get("breakGlass")) ? " (BREAK GLASS: recorded in the ledger)" : "");
    if (!watch) {
      return 0;
    }
    return ServiceStatus.watch(spec.commandLine().getOut(), service, (String) d.get("id"));
  }
}
