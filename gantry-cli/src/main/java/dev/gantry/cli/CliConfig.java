package dev.gantry.cli;

import dev.gantry.cli.system.DemoEnvironment;
import dev.gantry.client.GantryClient;
import dev.gantry.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the server is and which token to use: {@code GANTRY_URL} / {@code GANTRY_TOKEN} (or the system
 * properties {@code gantry.url} / {@code gantry.token}), else the file
 * {@code gantry login} writes ({@code $XDG_CONFIG_HOME/gantry/config.json}, mode 0600), else
 * {@code http://127.0.0.1:8680} and no token.
 */
public final class CliConfig {
  public static final String DEFAULT_URL = "http://127.0.0.1:8680";

  private CliConfig() {}

  public static Path file() {
    String xdg = System.getenv("XDG_CONFIG_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
    return base.resolve("gantry").resolve("config.json");
  }

  public static Map<String, Object> read() {
    Path f = file();
    if (!Files.exists(f)) {
      return Map.of();
    }
    try {
      return Json.parseObject(Files.readString(f));
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException("cannot read " + f + ": " + e.getMessage());
    }
  }

  public static void write(String url, String token) {
    Path f = file();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("url", url);
    m.put("token", token);
    try {
      Files.createDirectories(f.getParent());
      Files.deleteIfExists(f);
      try {
        Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(f);
      }
      Files.writeString(f, Json.pretty(m) + "\n");
    } catch (IOException e) {
      throw new CliException("cannot write " + f + ": " + e.getMessage());
    }
  }

  public static String url() {
    if (DemoEnvironment.url() != null) {
      return DemoEnvironment.url();
    }
    String env = System.getenv("GANTRY_URL");
    if (env != null && !env.isBlank()) {
      return env;
    }
    String prop = System.getProperty("gantry.url");
    if (prop != null && !prop.isBlank()) {
      return prop;
    }
    Object u = read().get("url");
    return u instanceof String s ? s : DEFAULT_URL;
  }

  public static String token() {
    if (DemoEnvironment.url() != null) {
      return DemoEnvironment.token();
    }
    String env = System.getenv("GANTRY_TOKEN");
    if (env != null && !env.isBlank()) {
      return env.strip();
    }
    String prop = System.getProperty("gantry.token");
    if (prop != null && !prop.isBlank()) {
      return prop.strip();
    }
    Object t = read().get("token");
    return t instanceof String s ? s : null;
  }

  /** A client for the configured server; fails with a hint when there is no token. */
  public static GantryClient client() {
    String token = token();
    if (token == null) {
      throw new CliException("no token: set GANTRY_TOKEN or run 'gantry login --token-file FILE'");
    }
    return new GantryClient(URI.create(url()), token);
  }
}
