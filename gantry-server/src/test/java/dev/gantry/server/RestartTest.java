package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.client.GantryClient;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.RequestRefused;
import dev.gantry.store.DataDirectory;
import dev.gantry.store.Database;
import dev.gantry.store.JdbcLedgerStore;
import dev.gantry.store.TestDatabases;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stopping and starting the server on the same data directory (and database): the first start made
 * the only bootstrap admin; later starts make none, and every token issued before still works.
 */
class RestartTest {

  /** A server process stand-in: one application context on a random loopback port. */
  record Server(ConfigurableApplicationContext context, int port) implements AutoCloseable {
    static Server start(Path dataDir, String databaseUrl) {
      List<String> props = new ArrayList<>(List.of("server.port=0", "gantry.data-dir=" + dataDir));
      if (databaseUrl != null) {
        props.add("gantry.database-url=" + databaseUrl);
      }
      ConfigurableApplicationContext ctx = new SpringApplicationBuilder(GantryServerApplication.class)
          .properties(props.toArray(String[]::new))
          .run();
      return new Server(ctx, ctx.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
    }

    GantryClient client(String token) {
      return new GantryClient(URI.create("http://127.0.0.1:" + port), token);
    }

    @Override
    public void close() {
      context.close();
    }
  }

  private static String secret(Map<String, Object> created) {
    return (String) created.get("token");
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> entries(GantryClient auditor) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (long from = 1; ; ) {
      List<Object> page = auditor.entries(from, 1000, null);
      page.forEach(e -> out.add((Map<String, Object>) e));
      if (page.isEmpty()) {
        return out;
      }
      from += page.size();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void secondStartKeepsTheOnlyBootstrapAdminAndItsToken(String engine) throws Exception {
    String databaseUrl = engine.equals("postgresql") ? TestDatabases.fresh("postgresql") : null;
    Path dir = TestDirs.fresh("restart-" + engine);
    Path tokenFile = new DataDirectory(dir).bootstrapTokenFile();
    try {
      String adminToken;
      String robotToken;
      String auditorToken;
      Object origin;
      try (Server first = Server.start(dir, databaseUrl)) {
        adminToken = Files.readString(tokenFile).strip();
        GantryClient admin = first.client(adminToken);
        assertThat(admin.whoami().get("account")).isEqualTo("admin");
        admin.createAccount("auditor", "human", List.of("auditor"));
        auditorToken = secret(admin.createToken("auditor", null, "restart test"));
        admin.createAccount("ci", "robot", List.of("deployer"));
        robotToken = secret(admin.createToken("ci", "30d", "pipeline"));
        origin = first.client(null).health().get("origin");
      }

      try (Server second = Server.start(dir, databaseUrl)) {
        assertThat(Files.readString(tokenFile).strip()).as("the bootstrap token file is left alone").isEqualTo(adminToken);
        assertThat(second.client(adminToken).whoami().get("account")).isEqualTo("admin");
        assertThat(second.client(robotToken).whoami().get("account")).isEqualTo("ci");
        assertThat(second.client(null).health().get("origin")).isEqualTo(origin);

        GantryClient auditor = second.client(auditorToken);
        List<Map<String, Object>> entries = entries(auditor);
        assertThat(entries).filteredOn(e -> e.get("type").equals("account.created")
            && e.get("subject").equals("account:admin")).hasSize(1);
        assertThat(entries).filteredOn(e -> e.get("type").equals("installation.initialized")).hasSize(1);
        assertThat(entries).filteredOn(e -> "system".equals(e.get("actor"))).hasSize(3);
        assertThat(second.client(adminToken).listAccounts()).hasSize(3);
        Map<String, Object> report = auditor.verify();
        assertThat(report.get("ok")).as("%s", report).isEqualTo(true);
      }
    } finally {
      if (databaseUrl != null) {
        TestDatabases.drop(databaseUrl);
      }
    }
  }

  /*
   * BUG (main code): Bootstrap skips when the ledger is not empty, but the web server accepts requests
   * before ApplicationRunners run, and a refused request (e.g. a monitor probing /api/v1/whoami) is
   * appended as request.refused. If one lands first, no admin and no bootstrap token are ever created:
   * the installation cannot be administered. This test sets up that state deterministically by
   * recording a refusal before the first start. Enable once Bootstrap is fixed (see the report).
   */
  @Test
  void firstStartCreatesTheAdminEvenWhenARefusalWasRecordedBeforeIt() throws Exception {
    Path dir = TestDirs.fresh("early-refusal");
    DataDirectory data = new DataDirectory(dir);
    try (Database db = Database.sqlite(data.database()).migrate();
         JdbcLedgerStore store = new JdbcLedgerStore(db, Clock.systemUTC(), data.signingKey(null))) {
      store.append("anonymous", state -> List.<LedgerEvent>of(
          new RequestRefused("anonymous", "GET", "/api/v1/whoami", 401, "this API needs a token")));
    }

    try (Server server = Server.start(dir, null)) {
      assertThat(data.bootstrapTokenFile()).exists();
      String adminToken = Files.readString(data.bootstrapTokenFile()).strip();
      assertThat(server.client(adminToken).whoami().get("account")).isEqualTo("admin");
    }
  }
}
