package dev.gantry.cli.system;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code gantry server [--data DIR] [--port P] [--database URL] [--origin NAME]}. The {@code ./gantry}
 * launcher runs the server jar directly; this command is the same thing for other ways of starting the CLI.
 */
@Command(name = "server", description = "Run the control-plane server (--data DIR, --port P, --database URL).")
public final class ServerCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", description = "server options: --data DIR, --port P, --database URL, --origin NAME")
  List<String> args = List.of();

  @Override
  public Integer call() throws Exception {
    Process p = new ProcessBuilder(ServerProcess.command(args)).inheritIO().start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
    return p.waitFor();
  }
}
