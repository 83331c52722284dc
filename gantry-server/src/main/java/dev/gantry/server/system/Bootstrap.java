package dev.gantry.server.system;

import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.AccountCreated;
import dev.gantry.core.ledger.LedgerEvent.InstallationInitialized;
import dev.gantry.core.ledger.LedgerEvent.TokenCreated;
import dev.gantry.server.auth.Tokens;
import dev.gantry.store.DataDirectory;
import dev.gantry.store.JdbcLedgerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.UncheckedIOException;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * First start: records the installation (origin, verifier key), the {@code admin} account and its
 * token in one transaction, writes the token to a 0600 file and prints it once. Later starts find the
 * installation entry and do nothing, so there is never a second bootstrap admin.
 *
 * <p>Runs when the beans are ready and before the web server accepts a request, so no early (refused)
 * request can become the ledger's first entry.
 */
@Component
class Bootstrap implements SmartInitializingSingleton {
  private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);
  static final String SYSTEM = "system";
  static final String ADMIN = "admin";

  private final JdbcLedgerStore store;
  private final DataDirectory dir;

  Bootstrap(JdbcLedgerStore store, DataDirectory dir) {
    this.store = store;
    this.dir = dir;
  }

  @Override
  public void afterSingletonsInstantiated() {
    try {
      bootstrap();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the bootstrap token: " + e.getMessage(), e);
    }
  }

  private boolean initialized() {
    boolean[] found = {false};
    store.scanSubject("installation", 1, 1, e -> found[0] = true);
    return found[0];
  }

  void bootstrap() throws IOException {
    if (initialized()) {
      return;
    }
    Tokens.Issued t = Tokens.issue();
    // The file first: if we crash before the append, the next start overwrites it and tries again.
    Files.deleteIfExists(dir.bootstrapTokenFile());
    DataDirectory.writeSecret(dir.bootstrapTokenFile(), t.secret() + "\n");
    try {
      store.append(SYSTEM, state -> {
        if (state.account(ADMIN).isPresent()) {
          throw new IllegalStateException("already bootstrapped by another server");
        }
        return List.<LedgerEvent>of(
            new InstallationInitialized(store.key().name(), store.key().verifierKey()),
            new AccountCreated(ADMIN, AccountKind.HUMAN, Set.of(Role.ADMIN)),
            new TokenCreated(t.id(), ADMIN, t.sha256(), null, "bootstrap admin token"));
      });
    } catch (IllegalStateException e) {
      Files.deleteIfExists(dir.bootstrapTokenFile());
      log.info("ledger already initialised: {}", e.getMessage());
      return;
    }
    store.signCheckpoint();
    System.out.println("gantry: first start. Bootstrap admin token (shown once; also in "
        + dir.bootstrapTokenFile() + ", mode 0600):");
    System.out.println("  " + t.secret());
  }
}
