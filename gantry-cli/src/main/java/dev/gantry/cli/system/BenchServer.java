package dev.gantry.cli.system;

import dev.gantry.cli.CliException;
import dev.gantry.client.GantryClient;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A throw-away server process for the benchmarks, with a deployer robot and the example's jar at hand. */
final class BenchServer implements AutoCloseable {
  final Path dir;
  final Path jar;
  final Process process;
  final GantryClient ci;

  private BenchServer(Path dir, Path jar, Process process, GantryClient ci) {
    this.dir = dir;
    this.jar = jar;
    this.process = process;
    this.ci = ci;
  }

  static BenchServer start(String name) throws Exception {
    Path jar = Path.of(System.getProperty("gantry.home", "."), "examples", "pricing-service", "target",
        "pricing-service.jar");
    if (!Files.exists(jar)) {
      throw new CliException("build the example first: ./mvnw -DskipTests install");
    }
    Path dir = Files.createTempDirectory("gantry-" + name + "-");
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
      GantryClient admin = new GantryClient(URI.create(url),
          Files.readString(dir.resolve("bootstrap-admin.token")).strip());
      admin.createAccount("ci", "robot", List.of("deployer"));
      GantryClient ci = new GantryClient(URI.create(url), (String) admin.createToken("ci", "1d", "bench").get("token"));
      return new BenchServer(dir, jar, server, ci);
    } catch (Exception e) {
      server.destroy();
      throw e;
    }
  }

  /** Registers a variant of the example (properties as in its Variant class). */
  String register(String name, String properties) throws java.io.IOException {
    return ExampleVariants.register(ci, jar, dir.resolve(name + ".jar"), properties);
  }

  /** Waits for a deployment to end; returns its final phase. */
  @SuppressWarnings("unchecked")
  String awaitEnd(String id) throws InterruptedException {
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

  List<URI> targets() {
    String router = (String) ci.service("pricing").get("router");
    return List.of("EURUSD", "GBPUSD", "USDJPY").stream()
        .map(sym -> URI.create("http://" + router + "/pricing/price?symbol=" + sym)).toList();
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    process.waitFor();
    DemoCommand.stopInstances(dir);
  }
}
