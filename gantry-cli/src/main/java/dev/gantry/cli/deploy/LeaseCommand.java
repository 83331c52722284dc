package dev.gantry.cli.deploy;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.CliException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry lease acquire SERVICE@vN --client NAME --ttl 30d}, {@code renew ID}, {@code release ID}. */
@Command(name = "lease", mixinStandardHelpOptions = true,
    description = "Leases: declared clients that keep a version alive while they are quiet.",
    subcommands = {LeaseCommand.Acquire.class, LeaseCommand.Renew.class, LeaseCommand.Release.class})
public final class LeaseCommand {

  static void print(CommandSpec spec, Map<String, Object> l, String what) {
    spec.commandLine().getOut().printf("lease %s %s: %s@%s for %s until %s%n", l.get("id"), what, l.get("service"),
        l.get("version"), l.get("client"), l.get("expiresAt"));
  }

  @Command(name = "acquire", mixinStandardHelpOptions = true, description = "Keep SERVICE@vN alive for a client.")
  static final class Acquire implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "SERVICE@vN, e.g. pricing@v3")
    String target;

    @Option(names = "--client", required = true, description = "who needs it, e.g. month-end-valuation")
    String client;

    @Option(names = "--ttl", required = true, description = "how long, e.g. 30d (at most 366d)")
    String ttl;

    @Override
    public Integer call() {
      int at = target.indexOf('@');
      if (at <= 0 || at == target.length() - 1) {
        throw new CliException("'" + target + "' (expected: SERVICE@vN, e.g. pricing@v3)");
      }
      print(spec, CliConfig.client().acquireLease(target.substring(0, at), target.substring(at + 1), client, ttl),
          "acquired");
      return 0;
    }
  }

  @Command(name = "renew", mixinStandardHelpOptions = true, description = "Extend a lease from now.")
  static final class Renew implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the lease id, e.g. L-000001")
    String id;

    @Option(names = "--ttl", required = true, description = "from now, e.g. 30d")
    String ttl;

    @Override
    public Integer call() {
      print(spec, CliConfig.client().renewLease(id, ttl), "renewed");
      return 0;
    }
  }

  @Command(name = "release", mixinStandardHelpOptions = true, description = "Give a lease back.")
  static final class Release implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the lease id")
    String id;

    @Override
    public Integer call() {
      print(spec, CliConfig.client().releaseLease(id), "released");
      return 0;
    }
  }
}
