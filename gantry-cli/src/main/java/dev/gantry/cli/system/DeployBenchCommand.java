package dev.gantry.cli.system;

import dev.gantry.cli.CliException;
import dev.gantry.client.GantryClient;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    Path jar = Path.of(System.getProperty("gantry.home", "."), "examples", "pricing-service", "target",
        "pricing-service.jar");
    if (!Files.exists(jar)) {
      throw new CliException("build the example first: ./mvnw -DskipTests install");
    }
    Path dir = Files.createTempDirectory("gantry-bench-deploy-");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process server = ServerProcess.start(List.of("--data", dir.toString(), "--port", String.valueOf(port),
        "--gantry.router-port=0"), dir.resolve("server.log"));
    String url = "http://127.0.0.1:" + port;
    try {
      GantryClient anon = new GantryClient(URI.create(url), null);
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (true) {
        try {
          anon.health();
          break;
        } catch (RuntimeException e) {
          if (System.nanoTime() > deadline || !server.isAlive()) {
            throw new CliException("server did not start; see " + dir.resolve("server.log"));
          }
          Thread.sleep(200);
        }
      }
      GantryClient admin = new GantryClient(URI.create(url), Files.readString(dir.resolve("bootstrap-admin.token")).strip());
      admin.createAccount("ci", "robot", List.of("deployer"));
      GantryClient ci = new GantryClient(URI.create(url), (String) admin.createToken("ci", "1d", "bench").get("token"));
      ci.applyService("pricing", new org.yaml.snakeyaml.Yaml().load(SPEC));
      String a = register(ci, ExampleVariants.build(jar, dir.resolve("a.jar"), "label=a\n"));
      String b = register(ci, ExampleVariants.build(jar, dir.resolve("b.jar"), "label=b\n"));
      String faulty = register(ci, ExampleVariants.build(jar, dir.resolve("f.jar"), "failSymbols=USDJPY\n"));
      awaitEnd(ci, (String) ci.deploy("pricing", a).get("id"));
      String router = (String) ci.service("pricing").get("router");
      List<URI> targets = List.of("EURUSD", "GBPUSD", "USDJPY").stream()
          .map(sym -> URI.create("http://" + router + "/pricing/price?symbol=" + sym)).toList();
      out.printf("load: %d clients, one request each every %d ms, through %s%n", clients, pauseMs, router);
      long started = System.nanoTime();
      try (LoadGenerator load = new LoadGenerator(targets, clients, Duration.ofMillis(pauseMs))) {
        for (int i = 0; i < switches; i++) {
          String v = i % 2 == 0 ? b : a;
          String phase = awaitEnd(ci, (String) ci.deploy("pricing", v).get("id"));
          out.printf("switch %2d → %s: %s%n", i + 1, v, phase);
          out.flush();
        }
        double secs = (System.nanoTime() - started) / 1e9;
        out.printf("switches: %d, requests: %d (%.0f/s), failed: %d, served by %s%n", switches, load.total(),
            load.total() / secs, load.failures(), load.servedBySerial());
      }
      try (LoadGenerator load = new LoadGenerator(targets, clients, Duration.ofMillis(pauseMs))) {
        Thread.sleep(1000);
        String phase = awaitEnd(ci, (String) ci.deploy("pricing", faulty).get("id"));
        Thread.sleep(1000);
        load.close();
        out.printf("faulty version: %s; failed requests %d of %d; first to last failed response %.2f s%n", phase,
            load.failures(), load.total(), load.failureSpanSeconds());
      }
      return 0;
    } finally {
      server.destroy();
      server.waitFor();
      DemoCommand.stopInstances(dir);
    }
  }

  private static String register(GantryClient ci, Path file) {
    Map<String, Object> up = ci.uploadArtifact(file);
    return (String) ci.registerArtifact(Map.of("service", "pricing", "digest", up.get("sha256"), "filename",
        file.getFileName().toString())).get("serial");
  }

  @SuppressWarnings("unchecked")
  private static String awaitEnd(GantryClient ci, String id) throws InterruptedException {
    while (true) {
      for (Object o : (List<Object>) ci.service("pricing").get("deployments")) {
        Map<String, Object> d = (Map<String, Object>) o;
        if (d.get("id").equals(id) && (d.get("phase").equals("COMPLETE") || d.get("phase").equals("ROLLED_BACK"))) {
          return (String) d.get("phase");
        }
      }
      Thread.sleep(100);
    }
  }
}
