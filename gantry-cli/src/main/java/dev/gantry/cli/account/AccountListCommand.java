package dev.gantry.cli.account;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.Output;
import dev.gantry.core.json.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry account list}. */
@Command(name = "list", description = "List accounts.", mixinStandardHelpOptions = true)
public final class AccountListCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--json", description = "print the API answer as JSON")
  boolean json;

  @Override
  public Integer call() {
    var rows = CliConfig.client().listAccounts();
    if (json) {
      spec.commandLine().getOut().println(Json.pretty(rows));
    } else {
      Output.table(spec.commandLine().getOut(), rows, "name", "kind", "roles", "disabled", "createdAt");
    }
    return 0;
  }
}
