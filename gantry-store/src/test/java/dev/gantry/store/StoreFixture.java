package dev.gantry.store;

import dev.gantry.core.note.NoteKey;
import java.time.Clock;

/** A migrated database with a store on it, closed together. */
public record StoreFixture(Database db, JdbcLedgerStore store, NoteKey key, String url) implements AutoCloseable {

  public static StoreFixture open(String engine, Clock clock) {
    String url = TestDatabases.fresh(engine);
    Database db = Database.open(url).migrate();
    NoteKey key = NoteKey.generate("gantry.test/" + engine);
    return new StoreFixture(db, new JdbcLedgerStore(db, clock, key), key, url);
  }

  @Override
  public void close() {
    store.close();
    db.close();
    TestDatabases.drop(url);
  }
}
