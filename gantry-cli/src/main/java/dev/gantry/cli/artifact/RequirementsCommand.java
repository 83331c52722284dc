package dev.gantry.cli.artifact;

import dev.gantry.cli.CliConfig;
import dev.gantry.core.json.Json;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry requirements show REQ-123}: which commits, artifacts and running versions serve it. */
@Command(name = "requirements", mixinStandardHelpOptions = true, description = "Trace requirements to code.",
    subcommands = RequirementsCommand.Show.class)
public final class RequirementsCommand {

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Commits and artifacts serving a requirement.")
  static final class Show implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "requirement id, e.g. PRC-101 or #42")
    String id;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() {
      Map<String, Object> r = CliConfig.client().requirement(id);
      var out = spec.commandLine().getOut();
      out.printf("requirement %s%n", r.get("requirement"));
      for (Object o : (List<Object>) r.get("commits")) {
        Map<String, Object> c = (Map<String, Object>) o;
        out.printf("  commit   %s  %s  (%s) in %s%n", ((String) c.get("commit")).substring(0, 12),
            ((String) c.get("message")).lines().findFirst().orElse(""), c.get("author"), c.get("serial"));
      }
      out.printf("  artifacts %s%n", Json.write(r.get("artifacts")));
      List<Object> running = (List<Object>) r.get("running");
      if (running.isEmpty()) {
        out.printf("  running   nowhere%n");
      }
      for (Object o : running) {
        Map<String, Object> x = (Map<String, Object>) o;
        out.printf("  running   %s at %s (%s)%n", x.get("service"), x.get("address"), x.get("instance"));
      }
      return 0;
    }
  }
}
