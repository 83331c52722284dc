package dev.gantry.cli.token;

import dev.gantry.cli.CliConfig;
import dev.gantry.core.json.Json;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry token create [--account A] [--expires-in 30d] [--description D]}. */
@Command(name = "create", description = "Issue a token; the secret is printed once.", mixinStandardHelpOptions = true)
public final class TokenCreateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--account", description = "whose token (default: yours; others need admin)")
  String account;

  @Option(names = "--expires-in", description = "lifetime such as 12h or 30d (default: no expiry)")
  String expiresIn;

  @Option(names = "--description", description = "what it is for")
  String description;

  @Option(names = "--json", description = "print the API answer as JSON")
  boolean json;

  @Override
  public Integer call() {
    Map<String, Object> t = CliConfig.client().createToken(account, expiresIn, description);
    var out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.pretty(t));
    } else {
      out.printf("token %s for '%s'%s (ledger seq %s); the secret, shown only now:%n%s%n", t.get("id"),
          t.get("account"), t.get("expiresAt") == null ? "" : ", expires " + t.get("expiresAt"), t.get("seq"),
          t.get("token"));
    }
    return 0;
  }
}
