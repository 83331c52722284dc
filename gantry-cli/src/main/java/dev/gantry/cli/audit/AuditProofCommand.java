package dev.gantry.cli.audit;

import dev.gantry.cli.CliConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry audit proof --seq N}: a C2SP tlog-proof@v1 for entry N. */
@Command(name = "proof", mixinStandardHelpOptions = true,
    description = "Print an inclusion proof (C2SP tlog-proof@v1) for one entry.")
public final class AuditProofCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--seq", required = true, description = "the entry's sequence number")
  long seq;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(CliConfig.client().proof(seq));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
