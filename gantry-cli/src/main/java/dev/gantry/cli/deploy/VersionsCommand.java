package dev.gantry.cli.deploy;

import dev.gantry.cli.CliConfig;
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

/**
 * {@code gantry versions SERVICE [--json]}: which versions run where and who uses them; {@code retire},
 * {@code pin} and {@code unpin}.
 */
@Command(name = "versions", mixinStandardHelpOptions = true,
    description = "The versions of a service: addresses, clients, leases, age; retirement and pins.",
    subcommands = {VersionsCommand.Retire.class, VersionsCommand.Pin.class, VersionsCommand.Unpin.class})
public final class VersionsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", description = "the service (default: every service's running versions)")
  String service;

  @Option(names = "--json", description = "the API answer as JSON, for tools")
  boolean json;

  @Override
  @SuppressWarnings("unchecked")
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (service == null) {
      List<Object> rows = CliConfig.client().versionDirectory();
      if (json) {
        out.println(Json.pretty(rows));
        return 0;
      }
      out.printf("%-20s %-7s %-9s %7s %6s  %s%n", "SERVICE", "VERSION", "SERIAL", "CLIENTS", "LEASES", "LAST CLIENT");
      for (Object o : rows) {
        Map<String, Object> r = (Map<String, Object>) o;
        out.printf("%-20s %-7s %-9s %7s %6s  %s%n", r.get("service"), r.get("version"), r.get("serial"),
            r.get("clients"), r.get("liveLeases"), r.get("lastClientSeen") == null ? "-" : r.get("lastClientSeen"));
      }
      return 0;
    }
    List<Object> rows = CliConfig.client().versions(service);
    if (json) {
      out.println(Json.pretty(rows));
      return 0;
    }
    for (Object o : rows) {
      Map<String, Object> v = (Map<String, Object>) o;
      String flags = (Boolean.TRUE.equals(v.get("default")) ? " default" : "")
          + (Boolean.TRUE.equals(v.get("pinned")) ? " pinned" : "") + (Boolean.TRUE.equals(v.get("sideBySide"))
          ? " side-by-side" : "");
      out.printf("%s  %s  %s%s  age %s  %s%n", v.get("version"), v.get("serial"), v.get("state"), flags,
          age(((Number) v.get("ageSeconds")).longValue()), v.get("digest"));
      Map<String, Object> addr = (Map<String, Object>) v.get("addresses");
      for (Object a : (List<Object>) addr.get("router")) {
        out.printf("    route     %s%n", a);
      }
      // A retired version's instances finish their requests, then stop (drainTimeout at most; a replaced one
      // stays warm for scaleDownDelay, for a rollback).
      String draining = "retired".equals(v.get("state")) ? "  (draining, then stopped)" : "";
      for (Object a : (List<Object>) addr.get("instances")) {
        out.printf("    instance  %s%s%n", a, draining);
      }
      Map<String, Object> clients = (Map<String, Object>) v.get("clients");
      out.printf("    clients   %s%n", clients.get("count"));
      for (Object c : (List<Object>) clients.get("seen")) {
        Map<String, Object> cm = (Map<String, Object>) c;
        // By version: the client named this version (header, path, host), which keeps it alive once it is not
        // the default; the others came through the default address.
        out.printf("              %-30s last seen %s%s%n", cm.get("client"), cm.get("lastSeen"),
            Boolean.TRUE.equals(cm.get("explicit")) ? "  by version, last " + cm.get("explicitLastSeen")
            : "  default address only");
      }
      for (Object l : (List<Object>) v.get("leases")) {
        Map<String, Object> lm = (Map<String, Object>) l;
        out.printf("    lease     %s  %s until %s%s%n", lm.get("id"), lm.get("client"), lm.get("expiresAt"),
            Boolean.TRUE.equals(lm.get("live")) ? "" : Boolean.TRUE.equals(lm.get("released")) ? " (released)" : " (expired)");
      }
      if (v.get("retirement") instanceof Map<?, ?> r) {
        out.printf("    %s%n", "keep".equals(r.get("verdict")) ? "stays: " + r.get("reason") : "RETIRES: " + r.get("reason"));
      }
      if ("retired".equals(v.get("state"))) {
        out.printf("    retired   %s: %s (successor %s)%n", v.get("retiredAt"), v.get("reason"), v.get("successor"));
      }
    }
    return 0;
  }

  static String age(long seconds) {
    if (seconds >= 86_400) {
      return seconds / 86_400 + "d";
    }
    if (seconds >= 3_600) {
      return seconds / 3_600 + "h";
    }
    return seconds >= 60 ? seconds / 60 + "m" : seconds + "s";
  }

  /** {@code gantry versions retire SERVICE [--dry-run]}. */
  @Command(name = "retire", mixinStandardHelpOptions = true,
      description = "Retire the versions nobody uses now (or with --dry-run: list what would go, and why).")
  static final class Retire implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Option(names = "--dry-run", description = "change nothing; say what would retire and why")
    boolean dryRun;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() {
      Map<String, Object> r = CliConfig.client().retireVersions(service, dryRun);
      PrintWriter out = spec.commandLine().getOut();
      for (Object o : (List<Object>) r.get("decisions")) {
        Map<String, Object> d = (Map<String, Object>) o;
        out.printf("%-5s %-9s %-7s %s%n", d.get("version"), d.get("serial"),
            "retire".equals(d.get("verdict")) ? (dryRun ? "would retire" : "RETIRED") : "stays", d.get("reason"));
      }
      return 0;
    }
  }

  /** {@code gantry versions pin SERVICE vN}. */
  @Command(name = "pin", mixinStandardHelpOptions = true,
      description = "Pin the service's default address to a version (it is then never retired).")
  static final class Pin implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Parameters(index = "1", description = "the version, e.g. v3")
    String version;

    @Override
    public Integer call() {
      spec.commandLine().getOut().printf("%s pinned to %s%n", service,
          CliConfig.client().pinVersion(service, version).get("pinned"));
      return 0;
    }
  }

  /** {@code gantry versions unpin SERVICE}. */
  @Command(name = "unpin", mixinStandardHelpOptions = true,
      description = "Unpin: the default address follows the latest promoted version again.")
  static final class Unpin implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "the service")
    String service;

    @Override
    public Integer call() {
      CliConfig.client().pinVersion(service, null);
      spec.commandLine().getOut().printf("%s unpinned: the default follows the latest promoted version%n", service);
      return 0;
    }
  }
}
