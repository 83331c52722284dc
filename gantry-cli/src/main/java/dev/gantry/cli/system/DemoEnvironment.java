package dev.gantry.cli.system;

/**
 * Lets the demo run CLI commands in-process against its own server without touching the user's
 * environment or config file: {@link dev.gantry.cli.CliConfig} consults these first.
 */
public final class DemoEnvironment {
  private static volatile String url;
  private static volatile String token;

  private DemoEnvironment() {}

  static void set(String u, String t) {
    url = u;
    token = t;
  }

  static void clear() {
    url = null;
    token = null;
  }

  public static String url() {
    return url;
  }

  public static String token() {
    return token;
  }
}
