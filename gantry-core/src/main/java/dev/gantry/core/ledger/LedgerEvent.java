package dev.gantry.core.ledger;

import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.core.json.Json;
import dev.gantry.core.json.JsonException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every state change in Gantry, as a typed value. The ledger stores {@link #type()} and {@link #body()};
 * {@link #decode(String, Map)} turns them back into the same record, so replay is exact.
 *
 * <p>Adding an event: a record here, a case in {@link #decode}, a case in the projector's switch.
 * The compiler then points at every switch that has not handled it.
 */
public sealed interface LedgerEvent {

  /** Stable wire name, e.g. {@code account.created}. */
  String type();

  /** What the event is about, e.g. {@code account:alice}; used to filter the log. */
  String subject();

  /** The event's data; values are strings, integers, booleans, lists and maps only. */
  Map<String, Object> body();

  /** The installation's first event: its origin name and the checkpoint verifier key. */
  record InstallationInitialized(String origin, String verifierKey) implements LedgerEvent {
    public String type() {
      return "installation.initialized";
    }

    public String subject() {
      return "installation";
    }

    public Map<String, Object> body() {
      return Map.of("origin", origin, "verifierKey", verifierKey);
    }
  }

  /** An account was created with its kind and roles. */
  record AccountCreated(String name, AccountKind kind, Set<Role> roles) implements LedgerEvent {
    public AccountCreated {
      roles = Set.copyOf(roles);
    }

    public String type() {
      return "account.created";
    }

    public String subject() {
      return "account:" + name;
    }

    public Map<String, Object> body() {
      return Map.of("name", name, "kind", kind.wire(), "roles", roleList(roles));
    }
  }

  /** An account's roles were replaced. */
  record AccountRolesSet(String name, Set<Role> roles) implements LedgerEvent {
    public AccountRolesSet {
      roles = Set.copyOf(roles);
    }

    public String type() {
      return "account.roles-set";
    }

    public String subject() {
      return "account:" + name;
    }

    public Map<String, Object> body() {
      return Map.of("name", name, "roles", roleList(roles));
    }
  }

  /** An account can no longer act; its tokens stop working. */
  record AccountDisabled(String name, String reason) implements LedgerEvent {
    public String type() {
      return "account.disabled";
    }

    public String subject() {
      return "account:" + name;
    }

    public Map<String, Object> body() {
      return Map.of("name", name, "reason", reason);
    }
  }

  /**
   * An API token was issued. Only its SHA-256 is kept: the token has 256 random bits, so the hash
   * reveals nothing, and replay can rebuild the token table from the ledger alone.
   */
  record TokenCreated(String id, String account, String sha256, String expiresAt, String description)
      implements LedgerEvent {
    public String type() {
      return "token.created";
    }

    public String subject() {
      return "token:" + id;
    }

    public Map<String, Object> body() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("account", account);
      m.put("sha256", sha256);
      m.put("expiresAt", expiresAt);
      m.put("description", description);
      return m;
    }
  }

  /** A token was revoked. */
  record TokenRevoked(String id, String account) implements LedgerEvent {
    public String type() {
      return "token.revoked";
    }

    public String subject() {
      return "token:" + id;
    }

    public Map<String, Object> body() {
      return Map.of("id", id, "account", account);
    }
  }

  /** A request was refused; recorded so that probing and misuse are visible to auditors. */
  record RequestRefused(String principal, String method, String path, long status, String reason)
      implements LedgerEvent {
    public String type() {
      return "request.refused";
    }

    public String subject() {
      return "request:" + principal;
    }

    public Map<String, Object> body() {
      return Map.of("principal", principal, "method", method, "path", path, "status", status, "reason", reason);
    }
  }

  /** Turns a stored type and body back into its event; throws naming what does not fit. */
  static LedgerEvent decode(String type, Map<String, Object> b) {
    try {
      return switch (type) {
        case "installation.initialized" ->
            new InstallationInitialized(Json.string(b, "origin"), Json.string(b, "verifierKey"));
        case "account.created" -> new AccountCreated(
            Json.string(b, "name"), AccountKind.parse(Json.string(b, "kind")), roles(b));
        case "account.roles-set" -> new AccountRolesSet(Json.string(b, "name"), roles(b));
        case "account.disabled" -> new AccountDisabled(Json.string(b, "name"), Json.string(b, "reason"));
        case "token.created" -> new TokenCreated(Json.string(b, "id"), Json.string(b, "account"),
            Json.string(b, "sha256"), Json.optString(b, "expiresAt"), Json.optString(b, "description"));
        case "token.revoked" -> new TokenRevoked(Json.string(b, "id"), Json.string(b, "account"));
        case "request.refused" -> new RequestRefused(Json.string(b, "principal"), Json.string(b, "method"),
            Json.string(b, "path"), Json.integer(b, "status"), Json.string(b, "reason"));
        default -> throw new JsonException("unknown event type '" + type + "'");
      };
    } catch (IllegalArgumentException e) {
      throw new JsonException(type + ": " + e.getMessage());
    }
  }

  private static List<String> roleList(Set<Role> roles) {
    return new TreeSet<>(roles.stream().map(Role::wire).toList()).stream().toList();
  }

  private static Set<Role> roles(Map<String, Object> b) {
    return Set.copyOf(Json.strings(b, "roles").stream().map(Role::parse).toList());
  }
}
