package dev.gantry.cli.artifact;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.Output;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry tests history CLASS#METHOD}. */
@Command(name = "tests", mixinStandardHelpOptions = true, description = "Test evidence across artifacts.",
    subcommands = TestsHistoryCommand.History.class)
public final class TestsHistoryCommand {

  @Command(name = "history", mixinStandardHelpOptions = true, description = "One test's outcome in every artifact.")
  static final class History implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "CLASS#METHOD, e.g. example.PriceTest#quotesMid")
    String test;

    @Override
    public Integer call() {
      var rows = CliConfig.client().testHistory(test);
      if (rows.isEmpty()) {
        spec.commandLine().getOut().println("no evidence for " + test);
        return 0;
      }
      Output.table(spec.commandLine().getOut(), rows, "serial", "service", "suite", "run", "status", "timeMs", "message");
      return 0;
    }
  }
}
