package dev.gantry.server.account;

import dev.gantry.core.account.AccountCommands;
import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerStore.TokenRecord;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.server.auth.Tokens;
import dev.gantry.server.system.Durations;
import dev.gantry.server.system.RequestBodies;
import dev.gantry.store.JdbcLedgerStore;
import dev.gantry.store.Projections;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * API tokens. Anyone may issue and revoke their own; an admin may do so for any account (robots get
 * their tokens this way). The secret is in the creation answer only; the server keeps its SHA-256.
 */
@RestController
@RequestMapping("/api/v1/tokens")
class TokenController {
  private final JdbcLedgerStore store;
  private final Projections projections;
  private final Clock clock;

  TokenController(JdbcLedgerStore store, Projections projections, Clock clock) {
    this.store = store;
    this.projections = projections;
    this.clock = clock;
  }

  @PostMapping(consumes = "application/json")
  ResponseEntity<Map<String, Object>> create(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @RequestBody String body) {
    Map<String, Object> m = RequestBodies.object(body, Set.of("account", "expiresIn", "description"), Set.of());
    String account = RequestBodies.string(m, "account");
    if (account == null) {
      account = p.account();
    }
    if (!account.equals(p.account())) {
      Access.require(p, Role.ADMIN);
      refuseImpersonation(account);
    }
    String ttl = RequestBodies.string(m, "expiresIn");
    Instant now = clock.instant();
    Instant expires = ttl == null ? null : now.plus(Durations.parse("expiresIn", ttl));
    Tokens.Issued t = Tokens.issue();
    List<LedgerEntry> e = store.append(p.account(), AccountCommands.createToken(t.id(), account, t.sha256(), expires,
        now, RequestBodies.string(m, "description")));
    Map<String, Object> out = view(projections.token(t.id()).orElseThrow());
    out.put("token", t.secret());
    out.put("seq", e.getLast().seq());
    return ResponseEntity.status(HttpStatus.CREATED).body(out);
  }

  /**
   * An admin issues tokens to robots, and a first token to a human who has none; a human who already
   * has a working token issues further ones themselves. Otherwise an admin could act as an approver.
   */
  private void refuseImpersonation(String account) {
    var target = projections.account(account).orElseThrow(() ->
        new ApiException(404, "no-such-account", "no account '" + account + "'"));
    if (!"human".equals(target.kind()) || target.disabled()) {
      return; // robots get tokens from admins; a disabled account is refused by the command itself
    }
    Instant now = clock.instant();
    boolean hasActive = projections.tokens(account).stream().anyMatch(t -> !t.revoked()
        && (t.expiresAt() == null || now.isBefore(Instant.parse(t.expiresAt()))));
    if (hasActive) {
      throw ApiException.forbidden("'" + account + "' already has a working token; a human issues further tokens"
          + " themselves (an admin issuing them could act as that person)");
    }
  }

  @GetMapping
  List<Map<String, Object>> list(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @RequestParam(required = false) String account) {
    if (account == null || !account.equals(p.account())) {
      Access.require(p, Role.ADMIN, Role.AUDITOR);
    }
    return projections.tokens(account).stream().map(TokenController::view).toList();
  }

  @PostMapping("/{id}/revoke")
  Map<String, Object> revoke(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String id) {
    TokenRecord t = projections.token(id).orElseThrow(() -> ApiException.notFound("no token '" + id + "'"));
    if (!t.account().equals(p.account())) {
      Access.require(p, Role.ADMIN);
    }
    List<LedgerEntry> e = store.append(p.account(), AccountCommands.revokeToken(id));
    Map<String, Object> out = view(projections.token(id).orElseThrow());
    out.put("seq", e.getLast().seq());
    return out;
  }

  static Map<String, Object> view(TokenRecord t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", t.id());
    m.put("account", t.account());
    m.put("createdAt", t.createdAt());
    m.put("expiresAt", t.expiresAt());
    m.put("revoked", t.revoked());
    m.put("description", t.description());
    return m;
  }
}
