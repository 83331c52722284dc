package dev.gantry.cli.artifact;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.Output;
import dev.gantry.core.json.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry artifact list [--service S]}. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List artifacts, newest first.")
public final class ArtifactListCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--service", description = "only this service")
  String service;

  @Option(names = "--json", description = "print the API answer as JSON")
  boolean json;

  @Override
  public Integer call() {
    var rows = CliConfig.client().artifacts(service);
    if (json) {
      spec.commandLine().getOut().println(Json.pretty(rows));
    } else {
      Output.table(spec.commandLine().getOut(), rows, "serial", "service", "filename", "registeredAt", "registeredBy",
          "stampedDigest");
    }
    return 0;
  }
}
