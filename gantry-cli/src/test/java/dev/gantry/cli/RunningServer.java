package dev.gantry.cli;

import dev.gantry.cli.system.ServerProcess;
import dev.gantry.client.GantryApiException;
import dev.gantry.client.GantryClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real {@code gantry-server.jar} process on a loopback port, for end-to-end tests. */
final class RunningServer implements AutoCloseable {
  final Path data;
  final int port;
  final Process process;
  final Path log;

  private RunningServer(Path data, int port, Process process, Path log) {
    this.data = data;
    this.port = port;
    this.process = process;
    this.log = log;
  }

  static RunningServer start(Path data, String... extraArgs) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.createDirectories(data);
    Path log = data.resolve("server-" + System.nanoTime() + ".log");
    List<String> args = new ArrayList<>(List.of("--data", data.toString(), "--port", String.valueOf(port),
        "--gantry.router-port=0"));
    args.addAll(List.of(extraArgs));
    Process p = ServerProcess.start(args, log);
    RunningServer s = new RunningServer(data, port, p, log);
    s.awaitHealthy();
    return s;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  String adminToken() throws IOException {
    return Files.readString(data.resolve("bootstrap-admin.token")).strip();
  }

  GantryClient client(String token) {
    return new GantryClient(URI.create(url()), token);
  }

  /** Polls health until the process answers (a real process needs real time to start). */
  private void awaitHealthy() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    GantryClient c = client(null);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("server exited " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        if ("UP".equals(c.health().get("status"))) {
          return;
        }
      } catch (GantryApiException starting) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("server not healthy after 120 s:\n" + Files.readString(log));
  }

  /** SIGKILL: no shutdown hooks, no flushing, as a power cut or an OOM kill. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      process.waitFor();
    }
  }
}
