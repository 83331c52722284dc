package dev.gantry.cli.system;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.CliException;
import dev.gantry.client.GantryClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry login [--url URL] --token-file FILE}: checks the token, then stores URL and token (0600). */
@Command(name = "login", mixinStandardHelpOptions = true,
    description = "Remember the server URL and a token (in ~/.config/gantry/config.json, mode 0600).")
public final class LoginCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--url", description = "server URL (default: $GANTRY_URL or " + CliConfig.DEFAULT_URL + ")")
  String url;

  @Option(names = "--token-file", description = "file holding the token (safer than --token: not in shell history)")
  Path tokenFile;

  @Option(names = "--token", description = "the token itself")
  String token;

  @Override
  public Integer call() throws Exception {
    String u = url != null ? url : CliConfig.url();
    String t = token;
    if (tokenFile != null) {
      t = Files.readString(tokenFile).strip();
    }
    if (t == null) {
      t = System.getenv("GANTRY_TOKEN");
    }
    if (t == null || t.isBlank()) {
      throw new CliException("give --token-file FILE or --token TOKEN", 2);
    }
    Map<String, Object> who = new GantryClient(URI.create(u), t).whoami();
    CliConfig.write(u, t);
    spec.commandLine().getOut().printf("logged in to %s as %s %s with roles %s (saved in %s)%n", u, who.get("kind"),
        who.get("account"), who.get("roles"), CliConfig.file());
    return 0;
  }
}
