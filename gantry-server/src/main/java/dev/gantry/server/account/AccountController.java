package dev.gantry.server.account;

import dev.gantry.core.account.AccountCommands;
import dev.gantry.core.account.AccountCommands.Refusal;
import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Names;
import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.server.system.RequestBodies;
import dev.gantry.store.JdbcLedgerStore;
import dev.gantry.store.Projections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Accounts: admins create them, set their roles and disable them; the rules live in {@link AccountCommands}. */
@RestController
@RequestMapping("/api/v1")
class AccountController {
  private final JdbcLedgerStore store;
  private final Projections projections;

  AccountController(JdbcLedgerStore store, Projections projections) {
    this.store = store;
    this.projections = projections;
  }

  @GetMapping("/whoami")
  Map<String, Object> whoami(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("account", p.account());
    m.put("kind", p.kind());
    m.put("roles", p.roles().stream().map(Role::wire).sorted().toList());
    m.put("tokenId", p.tokenId());
    return m;
  }

  @PostMapping(path = "/accounts", consumes = "application/json")
  ResponseEntity<Map<String, Object>> create(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @RequestBody String body) {
    Access.require(p, Role.ADMIN);
    Map<String, Object> m = RequestBodies.object(body, Set.of("name", "kind", "roles"), Set.of("name", "kind", "roles"));
    String name = RequestBodies.string(m, "name");
    if (Principal.ANONYMOUS.equals(name) || "system".equals(name)) {
      throw new Refusal(400, "reserved-name", "account name '" + name + "' is reserved");
    }
    Names.check("account name", name);
    AccountKind kind = AccountKind.parse(RequestBodies.string(m, "kind"));
    Set<Role> roles = roles(RequestBodies.strings(m, "roles"));
    List<LedgerEntry> e = store.append(p.account(), AccountCommands.create(name, kind, roles));
    return ResponseEntity.status(HttpStatus.CREATED).body(view(projections.account(name).orElseThrow(), e));
  }

  @GetMapping("/accounts")
  List<Map<String, Object>> list(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    Access.require(p, Role.ADMIN, Role.AUDITOR, Role.VIEWER);
    return projections.accounts().stream().map(a -> view(a, List.of())).toList();
  }

  @GetMapping("/accounts/{name}")
  Map<String, Object> get(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name) {
    if (!name.equals(p.account())) {
      Access.require(p, Role.ADMIN, Role.AUDITOR, Role.VIEWER);
    }
    return view(projections.account(name).orElseThrow(() -> ApiException.notFound("no account '" + name + "'")),
        List.of());
  }

  @PutMapping(path = "/accounts/{name}/roles", consumes = "application/json")
  Map<String, Object> setRoles(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name,
      @RequestBody String body) {
    Access.require(p, Role.ADMIN);
    if (name.equals(p.account())) {
      throw ApiException.forbidden("an admin cannot change their own roles (ask another admin)");
    }
    Map<String, Object> m = RequestBodies.object(body, Set.of("roles"), Set.of("roles"));
    List<LedgerEntry> e = store.append(p.account(), AccountCommands.setRoles(name, roles(RequestBodies.strings(m, "roles"))));
    return view(projections.account(name).orElseThrow(), e);
  }

  @PostMapping(path = "/accounts/{name}/disable", consumes = "application/json")
  Map<String, Object> disable(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String name,
      @RequestBody String body) {
    Access.require(p, Role.ADMIN);
    Map<String, Object> m = RequestBodies.object(body, Set.of("reason"), Set.of());
    List<LedgerEntry> e = store.append(p.account(), AccountCommands.disable(name, RequestBodies.string(m, "reason"),
        p.account()));
    return view(projections.account(name).orElseThrow(), e);
  }

  private static Set<Role> roles(List<String> names) {
    return names.stream().map(Role::parse).collect(Collectors.toUnmodifiableSet());
  }

  static Map<String, Object> view(AccountRecord a, List<LedgerEntry> entries) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", a.name());
    m.put("kind", a.kind());
    m.put("roles", a.roles());
    m.put("disabled", a.disabled());
    m.put("createdAt", a.createdAt());
    if (!entries.isEmpty()) {
      m.put("seq", entries.getLast().seq());
    }
    return m;
  }
}
