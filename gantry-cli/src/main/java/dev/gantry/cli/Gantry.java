package dev.gantry.cli;

import dev.gantry.cli.account.AccountCommand;
import dev.gantry.cli.artifact.ArtifactCommand;
import dev.gantry.cli.artifact.CommitsCheckCommand;
import dev.gantry.cli.artifact.RequirementsCommand;
import dev.gantry.cli.artifact.TestsHistoryCommand;
import dev.gantry.cli.artifact.TraceCommand;
import dev.gantry.cli.audit.AuditCommand;
import dev.gantry.cli.deploy.DeployCommand;
import dev.gantry.cli.deploy.OperatorCommands;
import dev.gantry.cli.deploy.ServiceCommand;
import dev.gantry.cli.release.ApprovalCommands;
import dev.gantry.cli.release.EnvCommand;
import dev.gantry.cli.release.ReleaseCommand;
import dev.gantry.cli.system.DemoCommand;
import dev.gantry.cli.system.DeployBenchCommand;
import dev.gantry.cli.system.LoginCommand;
import dev.gantry.cli.system.ServerCommand;
import dev.gantry.cli.system.StatusCommand;
import dev.gantry.cli.token.TokenCommand;
import dev.gantry.client.GantryApiException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code gantry}: the command line of the Gantry control plane. Starts in a fraction of a second:
 * no Spring, no reflection-heavy libraries; server calls go through {@link dev.gantry.client.GantryClient}.
 *
 * <p>Exit codes: 0 success, 1 the operation failed (refused, verification failed, server error),
 * 2 bad usage.
 */
@Command(name = "gantry", mixinStandardHelpOptions = true, versionProvider = Gantry.Version.class,
    description = "Gantry: release control plane with a verifiable ledger.",
    subcommands = {ServerCommand.class, LoginCommand.class, StatusCommand.class, AccountCommand.class,
        TokenCommand.class, AuditCommand.class, ArtifactCommand.class, CommitsCheckCommand.class,
        TestsHistoryCommand.class, TraceCommand.class, RequirementsCommand.class, ServiceCommand.class,
        DeployCommand.class, EnvCommand.class, ReleaseCommand.class, ApprovalCommands.Approve.class,
        ApprovalCommands.Reject.class, OperatorCommands.Rollback.class, OperatorCommands.Abort.class, OperatorCommands.Promote.class,
        dev.gantry.cli.deploy.VersionsCommand.class, dev.gantry.cli.deploy.LeaseCommand.class, OperatorCommands.Halt.class,
        OperatorCommands.Resume.class, OperatorCommands.Logs.class, DemoCommand.class, DeployBenchCommand.class, dev.gantry.cli.system.CanaryBenchCommand.class,
        CommandLine.HelpCommand.class})
public final class Gantry {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code. */
  public static int run(String... args) {
    return run(null, null, args);
  }

  /** Runs a command line with its output and errors going to out and err (tests capture them). */
  public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new Gantry());
    if (out != null) {
      cl.setOut(out);
    }
    if (err != null) {
      cl.setErr(err);
    }
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      String msg = switch (ex) {
        case GantryApiException a -> a.getMessage() + (a.status() > 0 ? " (HTTP " + a.status() + ")" : "");
        case CliException c -> c.getMessage();
        case IllegalArgumentException i -> i.getMessage();
        default -> ex.toString();
      };
      cmd.getErr().println("gantry: " + msg);
      if (ex instanceof CliException c) {
        return c.exitCode();
      }
      return 1;
    });
    cl.setParameterExceptionHandler((ex, a) -> {
      ex.getCommandLine().getErr().println("gantry: " + ex.getMessage());
      ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
          + " --help' for usage.");
      return 2;
    });
    return cl.execute(args);
  }

  /** Version from the jar manifest (set by Maven), or "dev". */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Gantry.class.getPackage().getImplementationVersion();
      return new String[] {"gantry " + (v == null ? "dev" : v)};
    }
  }
}
