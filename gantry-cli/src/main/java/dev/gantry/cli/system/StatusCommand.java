package dev.gantry.cli.system;

import dev.gantry.cli.CliConfig;
import dev.gantry.client.GantryClient;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code gantry status}: the server, its ledger, and who you are. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the server, its ledger and your account.")
public final class StatusCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    String url = CliConfig.url();
    Map<String, Object> h = new GantryClient(URI.create(url), null).health();
    out.printf("server   %s (%s)%n", url, h.get("status"));
    out.printf("origin   %s%n", h.get("origin"));
    out.printf("ledger   %s entries%n", h.get("ledgerSize"));
    if (CliConfig.token() != null) {
      Map<String, Object> w = CliConfig.client().whoami();
      out.printf("account  %s (%s) roles %s%n", w.get("account"), w.get("kind"), w.get("roles"));
    } else {
      out.println("account  (no token: gantry login --token-file FILE)");
    }
    return 0;
  }
}
