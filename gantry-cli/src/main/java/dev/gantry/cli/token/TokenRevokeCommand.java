package dev.gantry.cli.token;

import dev.gantry.cli.CliConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry token revoke ID}. */
@Command(name = "revoke", description = "Revoke a token.", mixinStandardHelpOptions = true)
public final class TokenRevokeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "token id (from 'gantry token list')")
  String id;

  @Override
  public Integer call() {
    Map<String, Object> t = CliConfig.client().revokeToken(id);
    spec.commandLine().getOut().printf("token %s revoked (ledger seq %s)%n", id, t.get("seq"));
    return 0;
  }
}
