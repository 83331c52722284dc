package dev.gantry.cli.system;

import dev.gantry.cli.CliException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the server jar of this distribution and builds the command that runs it. */
public final class ServerProcess {
  private ServerProcess() {}

  /** {@code $GANTRY_HOME/gantry-server/target/gantry-server.jar} (the launcher sets gantry.home). */
  public static Path jar() {
    String explicit = System.getProperty("gantry.serverJar");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String home = System.getProperty("gantry.home", ".");
    Path jar = Path.of(home, "gantry-server", "target", "gantry-server.jar");
    if (!Files.exists(jar)) {
      throw new CliException("server jar not found at " + jar + " (build with ./mvnw -DskipTests package, or run ./gantry)");
    }
    return jar;
  }

  public static List<String> command(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(args);
    return cmd;
  }

  /** Starts the server with output to logFile. */
  public static Process start(List<String> args, Path logFile) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command(args));
    pb.redirectErrorStream(true);
    pb.redirectOutput(logFile.toFile());
    return pb.start();
  }
}
