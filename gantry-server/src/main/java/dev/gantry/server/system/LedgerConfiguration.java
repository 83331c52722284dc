package dev.gantry.server.system;

import dev.gantry.core.note.NoteKey;
import dev.gantry.store.DataDirectory;
import dev.gantry.store.Database;
import dev.gantry.store.JdbcLedgerStore;
import dev.gantry.store.Projections;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The ledger beans: data directory, database (SQLite or PostgreSQL), store, clock. */
@Configuration(proxyBeanMethods = false)
class LedgerConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  DataDirectory dataDirectory(GantryProperties props) {
    return new DataDirectory(props.dataDir()).create();
  }

  @Bean(destroyMethod = "close")
  Database database(GantryProperties props, DataDirectory dir) {
    Database db = props.databaseUrl() == null || props.databaseUrl().isBlank()
        ? Database.sqlite(dir.database())
        : Database.open(props.databaseUrl());
    return db.migrate();
  }

  @Bean(destroyMethod = "close")
  JdbcLedgerStore ledgerStore(Database db, DataDirectory dir, GantryProperties props, Clock clock) {
    NoteKey key = dir.signingKey(props.origin());
    return new JdbcLedgerStore(db, clock, key);
  }

  @Bean
  dev.gantry.store.DeployQueries deployQueries(Database db) {
    return new dev.gantry.store.DeployQueries(db);
  }

  @Bean
  Projections projections(Database db) {
    return new Projections(db);
  }
}
