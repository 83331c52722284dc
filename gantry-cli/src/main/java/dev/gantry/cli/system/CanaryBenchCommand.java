package dev.gantry.cli.system;

import dev.gantry.client.GantryClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry bench-canary}: the canary benchmark of docs/benchmarks.md, on a throw-away server. Under
 * steady load (default 4 clients × 50 requests/s = 200 requests/s) a canary at 10 % that fails 20 % of its
 * requests: the time from the canary's first answer to its last (all traffic back on stable), and how many
 * requests failed. Repeated {@code --runs} times.
 */
@Command(name = "bench-canary", hidden = true, mixinStandardHelpOptions = true,
    description = "Benchmark: how fast a failing 10% canary is detected and rolled back under 200 requests/s.")
public final class CanaryBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--runs", defaultValue = "5", description = "faulty canaries to roll back (default 5)")
  int runs;

  @Option(names = "--clients", defaultValue = "4", description = "load clients (default 4)")
  int clients;

  @Option(names = "--pause-ms", defaultValue = "20", description = "time between a client's requests (default 20)")
  int pauseMs;

  @Option(names = "--error-rate", defaultValue = "0.2", description = "the canary's failure rate (default 0.2)")
  double errorRate;

  static final String SPEC = """
      name: pricing
      command: ["{java}", "-jar", "{artifact}"]
      instances: 2
      route: { pathPrefix: pricing }
      readiness: { path: /ready, interval: 200ms, timeout: 150ms, successThreshold: 1, failureThreshold: 2 }
      smoke:
        - { method: GET, path: "/price?symbol=EURUSD", expectStatus: 200, expectBodyContains: "mid" }
      readinessDeadline: 60s
      scaleDownDelay: 1s
      strategy: canary
      canary:
        steps: [ {setWeight: 10}, {pause: untilPromoted} ]
        analysis: { interval: 500ms, minRequests: 50, significance: 0.05, maxErrorRateIncrease: 0.005 }
      """;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (BenchServer bench = BenchServer.start("bench-canary")) {
      GantryClient ci = bench.ci;
      ci.applyService("pricing", new org.yaml.snakeyaml.Yaml().load(SPEC));
      String stable = bench.register("stable", "label=stable\n");
      bench.awaitEnd((String) ci.deploy("pricing", stable).get("id")); // the first deployment is blue-green
      out.printf("load: %d clients, one request each every %d ms; canary at 10%% failing %.0f%% of its requests%n",
          clients, pauseMs, errorRate * 100);
      for (int run = 1; run <= runs; run++) {
        String faulty = bench.register("faulty-" + run, "label=faulty\nerrorRate=" + errorRate + "\nhealthyFirst=5\n");
        long t0 = System.nanoTime();
        try (LoadGenerator load = new LoadGenerator(bench.targets(), clients, Duration.ofMillis(pauseMs))) {
          Thread.sleep(1000);
          Map<String, Object> d = ci.deploy("pricing", faulty);
          String phase = bench.awaitEnd((String) d.get("id"));
          Thread.sleep(1000); // requests in flight at the rollback finish
          load.close();
          double secs = (System.nanoTime() - t0) / 1e9;
          out.printf("run %d: %s; canary answered for %.2f s (first to last answer), failed requests %d of %d"
              + " (%.0f/s over %.1f s), served %s%n", run, phase, load.answerSpanSeconds(faulty), load.failures(),
              load.total(), load.total() / secs, secs, load.servedBySerial());
          out.flush();
        }
      }
      return 0;
    }
  }
}
