package dev.gantry.cli.account;

import dev.gantry.cli.CliConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry account disable NAME [--reason TEXT]}. */
@Command(name = "disable", description = "Disable an account; its tokens stop working.", mixinStandardHelpOptions = true)
public final class AccountDisableCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "account name")
  String name;

  @Option(names = "--reason", description = "why (kept in the ledger)")
  String reason;

  @Override
  public Integer call() {
    Map<String, Object> a = CliConfig.client().disableAccount(name, reason);
    spec.commandLine().getOut().printf("account '%s' disabled (ledger seq %s)%n", name, a.get("seq"));
    return 0;
  }
}
