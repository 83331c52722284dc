package dev.gantry.cli.release;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.CliException;
import dev.gantry.cli.Output;
import dev.gantry.cli.deploy.ServiceCommand;
import dev.gantry.core.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry env apply -f prod.yaml}, {@code gantry env list}, {@code gantry env show prod}. */
@Command(name = "env", mixinStandardHelpOptions = true,
    description = "Environments: promotion order, release policy rules and freeze windows.",
    subcommands = {EnvCommand.Apply.class, EnvCommand.ListEnvironments.class, EnvCommand.Show.class})
public final class EnvCommand {

  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = "Define or change an environment (YAML or JSON; a human operator's act, kept in the ledger).")
  static final class Apply implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, description = "the definition, e.g. prod.yaml")
    Path file;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> m = ServiceCommand.read(file);
      if (!(m.get("name") instanceof String name)) {
        throw new CliException(file + ": the definition has no name");
      }
      Map<String, Object> r = CliConfig.client().applyEnvironment(name, m);
      spec.commandLine().getOut().printf("environment %s applied (ledger seq %s)%n", name, r.get("seq"));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List environments.")
  static final class ListEnvironments implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      List<Object> rows = new java.util.ArrayList<>();
      for (Object o : CliConfig.client().environments()) {
        Map<String, Object> m = new java.util.LinkedHashMap<>((Map<String, Object>) cast(o));
        rows.add(m);
        Map<?, ?> d = (Map<?, ?>) m.get("definition");
        m.put("requires", d.get("requires"));
        Map<?, ?> rules = (Map<?, ?>) d.get("rules");
        m.put("rules", rules.entrySet().stream().filter(e -> !Boolean.FALSE.equals(e.getValue()))
            .map(e -> String.valueOf(e.getKey())).toList());
        m.put("windows", ((List<?>) d.get("windows")).size());
        m.put("custom", ((List<?>) d.get("custom")).size());
      }
      Output.table(spec.commandLine().getOut(), rows, "name", "requires", "rules", "windows", "custom", "appliedBy",
          "appliedAt");
      return 0;
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an environment's definition.")
  static final class Show implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the environment")
    String name;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println(Json.pretty(CliConfig.client().environment(name)));
      return 0;
    }
  }
}
