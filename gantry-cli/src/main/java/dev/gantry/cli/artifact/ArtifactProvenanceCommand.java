package dev.gantry.cli.artifact;

import dev.gantry.cli.CliConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry artifact provenance SERIAL > x.intoto.json} (or {@code --key} for the public key). */
@Command(name = "provenance", mixinStandardHelpOptions = true,
    description = "Print the signed provenance (DSSE envelope, in-toto v1, SLSA v1); --key prints the public key.")
public final class ArtifactProvenanceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", description = "serial or digest")
  String ref;

  @Option(names = "--key", description = "print the installation's provenance public key (PEM) instead")
  boolean key;

  @Override
  public Integer call() {
    var c = CliConfig.client();
    if (key) {
      spec.commandLine().getOut().print(c.provenanceKey());
    } else {
      if (ref == null) {
        throw new dev.gantry.cli.CliException("give a serial or digest, or --key", 2);
      }
      spec.commandLine().getOut().println(c.provenance(ref));
    }
    spec.commandLine().getOut().flush();
    return 0;
  }
}
