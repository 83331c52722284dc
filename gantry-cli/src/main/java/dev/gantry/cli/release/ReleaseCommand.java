package dev.gantry.cli.release;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.Output;
import dev.gantry.core.json.Json;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry release check SERVICE --serial S --env prod} and {@code gantry release approvals ...}. */
@Command(name = "release", mixinStandardHelpOptions = true,
    description = "Releases: what an environment's policy decides for an artifact, and its approvals.",
    subcommands = {ReleaseCommand.Check.class, ReleaseCommand.Approvals.class})
public final class ReleaseCommand {

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Evaluate the environment's policy for an artifact now, without deploying or recording anything."
          + " Exit 0 when a deployment would be allowed, 1 when refused.")
  static final class Check implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Option(names = "--serial", required = true, description = "the artifact, e.g. A-000042")
    String serial;

    @Option(names = "--env", defaultValue = "default", description = "the environment (default: ${DEFAULT-VALUE})")
    String env;

    @Option(names = "--json", description = "print the API answer")
    boolean json;

    @Override
    public Integer call() {
      Map<String, Object> r = CliConfig.client().checkRelease(service, serial, env);
      PrintWriter out = spec.commandLine().getOut();
      boolean allowed = Boolean.TRUE.equals(r.get("allowed"));
      if (json) {
        out.println(Json.pretty(r));
        return allowed ? 0 : 1;
      }
      List<?> failed = (List<?>) r.get("failed");
      out.printf("%s %s → %s: %s%n", service, serial, env, allowed ? "would be allowed"
          : "would be refused (" + failed.size() + " rule" + (failed.size() == 1 ? "" : "s") + " failed)");
      if (r.get("note") != null) {
        out.println("  " + r.get("note"));
      }
      Verdicts.print(out, (List<?>) r.get("rules"));
      out.println("  (a check records nothing; the deployment attempt records its own evaluation)");
      out.flush();
      return allowed ? 0 : 1;
    }
  }

  @Command(name = "approvals", mixinStandardHelpOptions = true, description = "List approvals and rejections of an artifact.")
  static final class Approvals implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Option(names = "--serial", required = true, description = "the artifact")
    String serial;

    @Override
    public Integer call() {
      Output.table(spec.commandLine().getOut(), CliConfig.client().approvals(service, serial), "environment",
          "decision", "account", "at", "comment");
      return 0;
    }
  }
}
