package dev.gantry.bench;

import dev.gantry.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

/**
 * Fresh databases for one benchmark trial: a SQLite file under the benchmark data directory, or a new
 * schema in the PostgreSQL at {@code -Dgantry.pgUrl} (default {@value #DEFAULT_PG_URL}).
 */
final class BenchDatabases {
  static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private BenchDatabases() {}

  /**
   * Where benchmark databases go: {@code -Dgantry.bench.dir}, else {@code bench-data/} next to the
   * benchmarks jar (that is {@code gantry-bench/target/bench-data}) whatever the working directory.
   */
  static Path dataDir() {
    String override = System.getProperty("gantry.bench.dir");
    Path dir;
    if (override != null && !override.isBlank()) {
      dir = Path.of(override);
    } else {
      try {
        Path code = Path.of(BenchDatabases.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        dir = code.toAbsolutePath().getParent().resolve("bench-data"); // target/gantry-bench.jar or target/classes
      } catch (URISyntaxException | RuntimeException e) {
        dir = Path.of("target", "bench-data");
      }
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir.toAbsolutePath();
  }

  static String pgBaseUrl() {
    return System.getProperty("gantry.pgUrl", DEFAULT_PG_URL);
  }

  /** A fresh, migrated database of engine; {@link #drop} removes it. */
  static Fresh fresh(String engine) {
    return switch (engine) {
      case "sqlite" -> {
        Path file = dataDir().resolve("append-" + UUID.randomUUID() + ".db");
        yield new Fresh(engine, file.toString(), Database.sqlite(file).migrate());
      }
      case "postgresql" -> {
        String schema = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        execute(pgBaseUrl(), "CREATE SCHEMA " + schema);
        String url = pgBaseUrl() + (pgBaseUrl().contains("?") ? "&" : "?") + "currentSchema=" + schema;
        yield new Fresh(engine, schema, Database.open(url).migrate());
      }
      default -> throw new IllegalArgumentException("engine: " + engine + " (expected: sqlite, postgresql)");
    };
  }

  /** A database made for one trial; where is the SQLite file or the PostgreSQL schema. */
  record Fresh(String engine, String where, Database db) {
    void drop() {
      db.close();
      if (engine.equals("postgresql")) {
        execute(pgBaseUrl(), "DROP SCHEMA IF EXISTS " + where + " CASCADE");
      } else {
        deleteSqlite(Path.of(where));
      }
    }
  }

  static void deleteSqlite(Path file) {
    for (String suffix : List.of("", "-wal", "-shm")) {
      try {
        Files.deleteIfExists(Path.of(file + suffix));
      } catch (IOException ignored) {
        // best effort
      }
    }
  }

  private static void execute(String url, String sql) {
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL at " + url + ": " + sql + ": " + e.getMessage(), e);
    }
  }
}
