package dev.gantry.cli.artifact;

import dev.gantry.cli.CliConfig;
import dev.gantry.core.json.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry artifact show SERIAL|DIGEST}: everything recorded about one artifact, as JSON. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show one artifact (JSON).")
public final class ArtifactShowCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "serial or digest")
  String ref;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println(Json.pretty(CliConfig.client().artifact(ref)));
    return 0;
  }
}
