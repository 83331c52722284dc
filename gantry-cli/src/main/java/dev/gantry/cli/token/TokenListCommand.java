package dev.gantry.cli.token;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.Output;
import dev.gantry.core.json.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry token list [--account A]}. */
@Command(name = "list", description = "List tokens (never their secrets).", mixinStandardHelpOptions = true)
public final class TokenListCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--account", description = "only this account's tokens")
  String account;

  @Option(names = "--json", description = "print the API answer as JSON")
  boolean json;

  @Override
  public Integer call() {
    var rows = CliConfig.client().listTokens(account);
    if (json) {
      spec.commandLine().getOut().println(Json.pretty(rows));
    } else {
      Output.table(spec.commandLine().getOut(), rows, "id", "account", "createdAt", "expiresAt", "revoked",
          "description");
    }
    return 0;
  }
}
