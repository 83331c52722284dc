package dev.gantry.cli.audit;

import dev.gantry.cli.CliConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry audit checkpoint [--sign]}: the newest signed checkpoint, or a new one. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
    description = "Print the newest signed checkpoint (C2SP tlog-checkpoint); --sign makes one now.")
public final class AuditCheckpointCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--sign", description = "sign a checkpoint for the current head first")
  boolean sign;

  @Override
  public Integer call() {
    var c = CliConfig.client();
    spec.commandLine().getOut().print(sign ? c.signCheckpoint() : c.latestCheckpoint());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
