package dev.gantry.cli.account;

import dev.gantry.cli.CliConfig;
import dev.gantry.core.json.Json;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gantry account create NAME --kind robot|human --role R...}. */
@Command(name = "create", description = "Create an account.", mixinStandardHelpOptions = true)
public final class AccountCreateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "account name (a-z 0-9 . _ -)")
  String name;

  @Option(names = "--kind", required = true, description = "human or robot")
  String kind;

  @Option(names = "--role", required = true, split = ",",
      description = "viewer, deployer, approver, operator, admin, auditor (repeat or comma-separate)")
  List<String> roles;

  @Option(names = "--json", description = "print the API answer as JSON")
  boolean json;

  @Override
  public Integer call() {
    Map<String, Object> a = CliConfig.client().createAccount(name, kind, roles);
    var out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.pretty(a));
    } else {
      out.printf("created %s account '%s' with roles %s (ledger seq %s)%n", a.get("kind"), a.get("name"),
          a.get("roles"), a.get("seq"));
    }
    return 0;
  }
}
