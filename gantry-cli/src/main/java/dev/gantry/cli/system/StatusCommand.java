package dev.gantry.cli.system;

import dev.gantry.cli.CliConfig;
import dev.gantry.client.GantryClient;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code gantry status [SERVICE [--watch] [--json]]}: the server, or one service and its deployment. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the server, its ledger and your account; or a service, its deployment and instances.")
public final class StatusCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @picocli.CommandLine.Parameters(index = "0", arity = "0..1", description = "a service")
  String service;

  @picocli.CommandLine.Option(names = "--watch", description = "with SERVICE: follow its deployment live")
  boolean watch;

  @picocli.CommandLine.Option(names = "--json", description = "with SERVICE: the API answer as JSON")
  boolean json;

  @Override
  public Integer call() throws InterruptedException {
    var out = spec.commandLine().getOut();
    if (service != null) {
      Map<String, Object> s = CliConfig.client().service(service);
      if (json) {
        out.println(dev.gantry.core.json.Json.pretty(s));
        return 0;
      }
      dev.gantry.cli.deploy.ServiceStatus.print(out, s);
      return watch ? dev.gantry.cli.deploy.ServiceStatus.watch(out, service, null) : 0;
    }
    String url = CliConfig.url();
    Map<String, Object> h = new GantryClient(URI.create(url), null).health();
    out.printf("server   %s (%s)%n", url, h.get("status"));
    out.printf("origin   %s%n", h.get("origin"));
    out.printf("ledger   %s entries%n", h.get("ledgerSize"));
    out.printf("router   http://%s/SERVICE/...%n", h.get("router"));
    if (CliConfig.token() != null) {
      Map<String, Object> w = CliConfig.client().whoami();
      out.printf("account  %s (%s) roles %s%n", w.get("account"), w.get("kind"), w.get("roles"));
    } else {
      out.println("account  (no token: gantry login --token-file FILE)");
    }
    return 0;
  }
}
