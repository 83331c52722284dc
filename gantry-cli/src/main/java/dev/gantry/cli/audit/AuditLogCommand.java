package dev.gantry.cli.audit;

import dev.gantry.cli.CliConfig;
import dev.gantry.client.GantryClient;
import dev.gantry.core.json.Json;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry audit log [--subject S] [--from N] [--follow]}: events, one readable line each. */
@Command(name = "log", mixinStandardHelpOptions = true, description = "Show ledger events readably.")
public final class AuditLogCommand implements Callable<Integer> {
  private static final int PAGE = 500;

  @Spec
  CommandSpec spec;

  @Option(names = "--subject", description = "only events about this subject, e.g. account:alice")
  String subject;

  @Option(names = "--from", defaultValue = "1", description = "first sequence number (default: 1)")
  long from;

  @Option(names = "--follow", description = "keep printing new events as they arrive")
  boolean follow;

  @Option(names = "--json", description = "one JSON object per line")
  boolean json;

  @Override
  public Integer call() throws InterruptedException {
    GantryClient c = CliConfig.client();
    PrintWriter out = spec.commandLine().getOut();
    long next = from;
    while (true) {
      List<Object> page = c.entries(next, PAGE, subject);
      for (Object o : page) {
        Map<?, ?> e = (Map<?, ?>) o;
        out.println(json ? Json.write(e) : line(e));
        next = ((Number) e.get("seq")).longValue() + 1;
      }
      out.flush();
      if (page.size() == PAGE) {
        continue;
      }
      if (!follow) {
        return 0;
      }
      Thread.sleep(1000); // polling interval of --follow; a person is watching, not a test
    }
  }

  static String line(Map<?, ?> e) {
    return String.format("%6s  %s  %-10s %-26s %-24s %s", e.get("seq"), e.get("time"), e.get("actor"), e.get("type"),
        e.get("subject"), Json.write(e.get("body")));
  }
}
