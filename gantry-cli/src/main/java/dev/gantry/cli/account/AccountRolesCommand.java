package dev.gantry.cli.account;

import dev.gantry.cli.CliConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry account roles NAME --role R...}: replaces the roles. */
@Command(name = "roles", description = "Replace an account's roles.", mixinStandardHelpOptions = true)
public final class AccountRolesCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "account name")
  String name;

  @Option(names = "--role", required = true, split = ",", description = "the new roles")
  List<String> roles;

  @Override
  public Integer call() {
    Map<String, Object> a = CliConfig.client().setRoles(name, roles);
    spec.commandLine().getOut().printf("account '%s' now has roles %s (ledger seq %s)%n", name, a.get("roles"),
        a.get("seq"));
    return 0;
  }
}
