package dev.gantry.cli.system;

import dev.gantry.client.GantryClient;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry bench-deploy}: the deployment benchmark of docs/benchmarks.md, on a throw-away server.
 * Under steady load through the router: N blue-green switches between two healthy versions (failed
 * requests counted), then a faulty version (the time from its first failed response to the last, i.e.
 * until all traffic is back on the old version, and how many requests failed).
 */
@Command(name = "bench-deploy", hidden = true, mixinStandardHelpOptions = true,
    description = "Benchmark: failed requests during blue-green switches, and the time to roll back a faulty version.")
public final class DeployBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--switches", defaultValue = "20", description = "blue-green switches under load (default 20)")
  int switches;

  @Option(names = "--clients", defaultValue = "8", description = "load clients (default 8)")
  int clients;

  @Option(names = "--pause-ms", defaultValue = "20", description = "pause between a client's requests (default 20)")
  int pauseMs;

  static final String SPEC = """
      name: pricing
      command: ["{java}", "-jar", "{artifact}"]
      instances: 2
      route: { pathPrefix: pricing }
      readiness: { path: /ready, interval: 200ms, timeout: 150ms, successThreshold: 1, failureThreshold: 2 }
      smoke:
        - { method: GET, path: "/price?symbol=EURUSD", expectStatus: 200, expectBodyContains: "mid" }
      verification: { window: 2s, maxErrorRate: 0.02, maxP99Ratio: 50, minRequests: 20 }
      readinessDeadline: 60s
      scaleDownDelay: 1s
      """;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (BenchServer bench = BenchServer.start("bench-deploy")) {
      GantryClient ci = bench.ci;
      ci.applyService("pricing", new org.yaml.snakeyaml.Yaml().load(SPEC));
      String a = bench.register("a", "label=a\n");
      String b = bench.register("b", "label=b\n");
      String faulty = bench.register("f", "failSymbols=USDJPY\n");
      bench.awaitEnd((String) ci.deploy("pricing", a).get("id"));
      List<URI> targets = bench.targets();
      out.printf("load: %d clients, one request each every %d ms, through %s%n", clients, pauseMs,
          targets.getFirst().getAuthority());
      long started = System.nanoTime();
      try (LoadGenerator load = new LoadGenerator(targets, clients, Duration.ofMillis(pauseMs))) {
        for (int i = 0; i < switches; i++) {
          String v = i % 2 == 0 ? b : a;
          String phase = bench.awaitEnd((String) ci.deploy("pricing", v).get("id"));
          out.printf("switch %2d → %s: %s%n", i + 1, v, phase);
          out.flush();
        }
        double secs = (System.nanoTime() - started) / 1e9;
        out.printf("switches: %d, requests: %d (%.0f/s), failed: %d, served by %s%n", switches, load.total(),
            load.total() / secs, load.failures(), load.servedBySerial());
      }
      try (LoadGenerator load = new LoadGenerator(targets, clients, Duration.ofMillis(pauseMs))) {
        Thread.sleep(1000);
        String phase = bench.awaitEnd((String) ci.deploy("pricing", faulty).get("id"));
        Thread.sleep(1000);
        load.close();
        out.printf("faulty version: %s; failed requests %d of %d; first to last failed response %.2f s%n", phase,
            load.failures(), load.total(), load.failureSpanSeconds());
      }
      return 0;
    }
  }
}
