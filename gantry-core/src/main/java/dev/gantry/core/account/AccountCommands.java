package dev.gantry.core.account;

import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.AccountCreated;
import dev.gantry.core.ledger.LedgerEvent.AccountDisabled;
import dev.gantry.core.ledger.LedgerEvent.AccountRolesSet;
import dev.gantry.core.ledger.LedgerEvent.TokenCreated;
import dev.gantry.core.ledger.LedgerEvent.TokenRevoked;
import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.core.ledger.LedgerStore.Command;
import dev.gantry.core.ledger.LedgerStore.TokenRecord;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The account and token commands: each checks the request against the current state (inside the append
 * transaction) and returns the events to record, or throws {@link Refusal} with a sentence for the user.
 */
public final class AccountCommands {
  private AccountCommands() {}

  /** A request that the rules refuse; {@code status} is the HTTP status that fits (400, 403, 404, 409). */
  public static final class Refusal extends RuntimeException {
    private final int status;
    private final String code;

    public Refusal(int status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }

    public int status() {
      return status;
    }

    /** A stable machine-readable code, e.g. {@code separation-of-duties}. */
    public String code() {
      return code;
    }
  }

  public static Command create(String name, AccountKind kind, Set<Role> roles) {
    Names.check("account name", name);
    checkRoles(kind, roles);
    return state -> {
      if (state.account(name).isPresent()) {
        throw new Refusal(409, "account-exists", "account '" + name + "' already exists");
      }
      return List.of(new AccountCreated(name, kind, roles));
    };
  }

  public static Command setRoles(String name, Set<Role> roles) {
    return state -> {
      AccountRecord a = existing(state.account(name), name);
      checkRoles(AccountKind.parse(a.kind()), roles);
      return List.of(new AccountRolesSet(name, roles));
    };
  }

  public static Command disable(String name, String reason, String actor) {
    return state -> {
      AccountRecord a = existing(state.account(name), name);
      if (a.disabled()) {
        throw new Refusal(409, "account-disabled", "account '" + name + "' is already disabled");
      }
      if (name.equals(actor)) {
        throw new Refusal(409, "self-disable", "an account cannot disable itself (ask another admin)");
      }
      return List.of(new AccountDisabled(name, reason == null ? "" : reason));
    };
  }

  /**
   * Issues a token for account; sha256 is the hash of the secret the caller generated and will show once.
   *
   * @param expiresAt null for no expiry; must lie in the future
   */
  public static Command createToken(String id, String account, String sha256, Instant expiresAt, Instant now,
      String description) {
    if (expiresAt != null && !expiresAt.isAfter(now)) {
      throw new Refusal(400, "bad-expiry", "expiresAt " + expiresAt + " is not in the future");
    }
    if (description != null && description.length() > 200) {
      throw new Refusal(400, "bad-description", "description: " + description.length() + " characters (expected: at most 200)");
    }
    return state -> {
      AccountRecord a = existing(state.account(account), account);
      if (a.disabled()) {
        throw new Refusal(409, "account-disabled", "account '" + account + "' is disabled");
      }
      return List.of(new TokenCreated(id, account, sha256,
          expiresAt == null ? null : dev.gantry.core.ledger.LedgerEntry.formatTime(expiresAt), description));
    };
  }

  public static Command revokeToken(String id) {
    return state -> {
      TokenRecord t = state.token(id).orElseThrow(() -> new Refusal(404, "no-such-token", "no token '" + id + "'"));
      if (t.revoked()) {
        throw new Refusal(409, "token-revoked", "token '" + id + "' is already revoked");
      }
      return List.<LedgerEvent>of(new TokenRevoked(id, t.account()));
    };
  }

  private static AccountRecord existing(java.util.Optional<AccountRecord> a, String name) {
    return a.orElseThrow(() -> new Refusal(404, "no-such-account", "no account '" + name + "'"));
  }

  private static void checkRoles(AccountKind kind, Set<Role> roles) {
    List<String> v = SeparationOfDuties.violations(kind, roles);
    if (!v.isEmpty()) {
      throw new Refusal(403, "separation-of-duties", String.join("; ", v));
    }
  }
}
