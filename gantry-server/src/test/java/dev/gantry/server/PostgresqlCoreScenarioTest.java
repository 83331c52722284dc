package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.store.TestDatabases;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.core.Ordered;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;
import org.springframework.test.context.TestExecutionListeners;
import org.springframework.test.context.TestExecutionListeners.MergeMode;
import org.springframework.test.context.support.DirtiesContextTestExecutionListener;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The core scenario with the ledger in PostgreSQL (a schema of its own); skipped with a message when
 * PostgreSQL is unreachable, unless CI requires it.
 */
@TestExecutionListeners(listeners = PostgresqlCoreScenarioTest.DropSchemaAfterTheServerStops.class,
    mergeMode = MergeMode.MERGE_WITH_DEFAULTS)
class PostgresqlCoreScenarioTest extends CoreApiScenario {
  private static String url;

  /** Runs before the application context is created, so an unreachable database skips the class. */
  @BeforeAll
  static void createSchema() {
    url = TestDatabases.fresh("postgresql");
  }

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    registry.add("gantry.database-url", () -> url);
  }

  /**
   * Drops the schema after the server is stopped, so that nothing writes to a dropped schema:
   * {@code afterTestClass} runs in reverse order, so this (order 0) runs after the
   * {@link DirtiesContextTestExecutionListener} (order 3000) has closed the context.
   */
  static final class DropSchemaAfterTheServerStops implements TestExecutionListener, Ordered {
    @Override
    public int getOrder() {
      return 0;
    }

    @Override
    public void afterTestClass(TestContext testContext) {
      if (url != null) {
        TestDatabases.drop(url);
      }
    }
  }

  @Override
  void assertLedgerIsKeptInTheEngine(long size) throws Exception {
    assertThat(dataDirectory.database()).doesNotExist();
    try (Connection c = DriverManager.getConnection(url);
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*), max(seq) FROM ledger_entry")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(size);
      assertThat(rs.getLong(2)).isEqualTo(size);
    }
  }
}
