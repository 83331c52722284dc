package dev.gantry.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * A database Gantry keeps its ledger in: SQLite (one file, the embedded default) or PostgreSQL.
 * Owns a small read pool; the ledger writer opens its own dedicated connection.
 */
public final class Database implements AutoCloseable {

  /** The two engines; each has its migrations under {@code db/<name>}. */
  public enum Dialect {
    SQLITE("sqlite"),
    POSTGRESQL("postgresql");

    final String folder;

    Dialect(String folder) {
      this.folder = folder;
    }
  }

  private final Dialect dialect;
  private final String url;
  private final Properties props;
  private final HikariDataSource pool;

  private Database(Dialect dialect, String url, Properties props, int readers) {
    this.dialect = dialect;
    this.url = url;
    this.props = props;
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(url);
    c.setDataSourceProperties(props);
    c.setMaximumPoolSize(readers);
    c.setMinimumIdle(1);
    c.setPoolName("gantry-" + dialect.folder);
    this.pool = new HikariDataSource(c);
  }

  /**
   * SQLite in WAL mode with {@code synchronous=FULL}: a commit is on disk (fsynced) when it returns,
   * and readers never block the writer.
   */
  public static Database sqlite(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
    }
    Properties p = new Properties();
    p.setProperty("journal_mode", "WAL");
    p.setProperty("synchronous", "FULL");
    p.setProperty("busy_timeout", "30000");
    p.setProperty("foreign_keys", "true");
    return new Database(Dialect.SQLITE, "jdbc:sqlite:" + file.toAbsolutePath(), p, 4);
  }

  /** PostgreSQL at a JDBC URL ({@code jdbc:postgresql://host:port/db?user=...}). */
  public static Database postgres(String jdbcUrl) {
    Properties p = new Properties();
    return new Database(Dialect.POSTGRESQL, jdbcUrl, p, 8);
  }

  /** Picks the engine from the URL: {@code jdbc:postgresql:...} or a SQLite file path / {@code jdbc:sqlite:}. */
  public static Database open(String urlOrPath) {
    if (urlOrPath.startsWith("jdbc:postgresql:")) {
      return postgres(urlOrPath);
    }
    if (urlOrPath.startsWith("jdbc:sqlite:")) {
      return sqlite(Path.of(urlOrPath.substring("jdbc:sqlite:".length())));
    }
    return sqlite(Path.of(urlOrPath));
  }

  /** Brings the schema to the newest version. */
  public Database migrate() {
    Flyway.configure()
        .dataSource(pool)
        .locations("classpath:db/" + dialect.folder)
        .load()
        .migrate();
    return this;
  }

  public Dialect dialect() {
    return dialect;
  }

  public DataSource readers() {
    return pool;
  }

  public String url() {
    return url;
  }

  /** A new connection outside the pool (for the writer, which holds it for its whole life). */
  public Connection openDedicated() throws SQLException {
    return DriverManager.getConnection(url, props);
  }

  @Override
  public void close() {
    pool.close();
  }
}
