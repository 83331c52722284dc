package dev.gantry.cli.deploy;

import dev.gantry.cli.CliConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry deploy SERVICE --serial S [--watch]}. */
@Command(name = "deploy", mixinStandardHelpOptions = true,
    description = "Deploy an artifact by the service's strategy (blue-green or canary): provision, verify, switch or step, watch, or roll back by itself.")
public final class DeployCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "the service")
  String service;

  @Option(names = "--serial", required = true, description = "the artifact to deploy, e.g. A-000042")
  String serial;

  @Option(names = "--watch", description = "follow the deployment until it completes or rolls back")
  boolean watch;

  @Option(names = "--side-by-side", description = "keep the versions running now: each stays at its own address"
      + " (/SERVICE/vN/, Gantry-Version: vN) until it is retired")
  boolean sideBySide;

  @Override
  public Integer call() throws InterruptedException {
    Map<String, Object> d = sideBySide ? CliConfig.client().deploy(service, serial, true)
        : CliConfig.client().deploy(service, serial);
    spec.commandLine().getOut().printf("deployment %s: %s → %s started%n", d.get("id"),
        d.get("from") == null ? "(nothing)" : d.get("from"), d.get("serial"));
    if (!watch) {
      return 0;
    }
    return ServiceStatus.watch(spec.commandLine().getOut(), service, (String) d.get("id"));
  }
}
