package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

/** The core scenario on the default engine: SQLite in the data directory. */
class SqliteCoreScenarioTest extends CoreApiScenario {

  @Override
  void assertLedgerIsKeptInTheEngine(long size) {
    assertThat(dataDirectory.database()).isNotEmptyFile();
  }
}
