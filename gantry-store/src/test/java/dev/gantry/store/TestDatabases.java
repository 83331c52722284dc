package dev.gantry.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * Real databases for tests: a SQLite file under target/, or a fresh schema in the local PostgreSQL
 * ({@code -Dgantry.pgUrl}). Without PostgreSQL the PostgreSQL cases are skipped with a message,
 * unless {@code -Dgantry.requirePostgres=true} (CI), where they fail.
 */
public final class TestDatabases {
  private TestDatabases() {}

  /** The engines every store test runs against. */
  public static List<String> engines() {
    return List.of("sqlite", "postgresql");
  }

  /** A JDBC URL or file path of a new, empty database for engine. */
  public static String fresh(String engine) {
    return switch (engine) {
      case "sqlite" -> sqliteFile().toString();
      case "postgresql" -> postgresSchema();
      default -> throw new IllegalArgumentException(engine);
    };
  }

  public static Path sqliteFile() {
    try {
      Path dir = Path.of(System.getProperty("java.io.tmpdir"), "gantry-test-db");
      Files.createDirectories(dir);
      return dir.resolve(UUID.randomUUID() + ".db");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String pgBaseUrl() {
    return System.getProperty("gantry.pgUrl", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
  }

  /** Removes what fresh() made: the SQLite file or the PostgreSQL schema. */
  public static void drop(String url) {
    int i = url.indexOf("currentSchema=");
    if (url.startsWith("jdbc:postgresql:") && i > 0) {
      try (Connection c = DriverManager.getConnection(pgBaseUrl()); Statement st = c.createStatement()) {
        st.execute("DROP SCHEMA IF EXISTS " + url.substring(i + "currentSchema=".length()) + " CASCADE");
      } catch (SQLException e) {
        System.err.println("could not drop test schema: " + e.getMessage());
      }
    } else if (!url.startsWith("jdbc:")) {
      for (String suffix : List.of("", "-wal", "-shm")) {
        try {
          Files.deleteIfExists(Path.of(url + suffix));
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }

  /** Creates a schema of its own and returns a URL whose current schema it is. */
  public static String postgresSchema() {
    String base = pgBaseUrl();
    String schema = "gt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(base); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      String why = "PostgreSQL at " + base + " is unreachable (" + e.getMessage() + ")";
      if (Boolean.getBoolean("gantry.requirePostgres") || "true".equals(System.getenv("CI"))) {
        throw new AssertionError(why + "; CI requires it", e);
      }
      System.err.println("SKIPPED PostgreSQL tests: " + why);
      Assumptions.abort("SKIPPED: " + why);
    }
    return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }
}
