package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.client.GantryClient;
import dev.gantry.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** API tokens: secrets shown once, 256 random bits, revocable by their owner, issued to others by admins only. */
class TokenApiTest extends ApiTestSupport {
  private static final String TOKENS = "/api/v1/tokens";

  @Test
  void secretIsInTheCreationAnswerOnly() throws IOException {
    String name = unique("holder");
    admin().createAccount(name, "robot", List.of("deployer"));
    Map<String, Object> created = admin().createToken(name, "30d", "ci pipeline");
    String secret = secret(created);
    assertThat(created).containsEntry("account", name).containsEntry("revoked", false)
        .containsEntry("description", "ci pipeline").containsKeys("id", "createdAt", "expiresAt", "seq");

    for (GantryClient reader : List.of(admin(), auditor())) {
      List<Object> all = reader.listTokens(null);
      List<Object> own = reader.listTokens(name);
      assertThat(own).singleElement().satisfies(t -> assertThat(map(t))
          .containsEntry("id", created.get("id")).doesNotContainKeys("token", "sha256", "secret"));
      assertThat(all).allSatisfy(t -> assertThat(map(t)).doesNotContainKeys("token", "sha256", "secret"));
      assertThat(Json.write(all)).doesNotContain(secret).doesNotContain(secret.substring(4));
    }
    assertThat(Json.write(client(secret).listTokens(name))).doesNotContain(secret.substring(4));
    assertThat(Json.write(entriesFrom(1))).doesNotContain(secret.substring(4));
    try (InputStream export = auditor().export()) {
      assertThat(new String(export.readAllBytes(), StandardCharsets.UTF_8)).doesNotContain(secret.substring(4));
    }
  }

  @Test
  void adminCannotIssueASecondTokenToAHuman() {
    String name = unique("person");
    admin().createAccount(name, "human", List.of("approver"));
    String first = secret(admin().createToken(name, null, "first login"));
    refusedWithoutChange(ADMIN, "POST", "/api/v1/tokens", 403, "forbidden",
        () -> admin().createToken(name, null, "to act as them"));
    assertThat(secret(client(first).createToken(name, "1d", "laptop"))).startsWith("gty_");
  }

  @Test
  void secretCarries256RandomBitsInBase64url() {
    String name = unique("bits");
    admin().createAccount(name, "human", List.of("viewer"));
    String a = secret(admin().createToken(name, null, null));
    String b = secret(client(a).createToken(name, null, null));
    for (String s : List.of(a, b, adminToken())) {
      assertThat(s).matches("gty_[A-Za-z0-9_-]{43}");
      assertThat(Base64.getUrlDecoder().decode(s.substring(4))).hasSize(32);
    }
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void ownerMayIssueAndRevokeItsOwnTokens() {
    String name = unique("owner");
    GantryClient owner = client(account(name, "human", "viewer"));
    String firstId = (String) owner.whoami().get("tokenId");

    Map<String, Object> second = owner.createToken(name, "1d", "laptop");
    assertThat(second).containsEntry("account", name);
    GantryClient laptop = client(secret(second));
    assertThat(laptop.whoami().get("tokenId")).isEqualTo(second.get("id"));
    assertThat(owner.listTokens(name)).hasSize(2);

    Map<String, Object> revoked = owner.revokeToken((String) second.get("id"));
    assertThat(revoked).containsEntry("id", second.get("id")).containsEntry("revoked", true);
    assertProblem(raw().send("GET", "/api/v1/whoami", "Bearer " + secret(second), null, (String) null),
        401, "token-revoked");
    assertThat(owner.whoami().get("tokenId")).as("the other token still works").isEqualTo(firstId);

    refusedWithoutChange(name, "POST", TOKENS + "/" + second.get("id") + "/revoke", 409, "token-revoked",
        () -> owner.revokeToken((String) second.get("id")));

    owner.revokeToken(firstId);
    assertProblem(raw().send("GET", "/api/v1/whoami", "Bearer " + secret(second), null, (String) null),
        401, "token-revoked");
  }

  @Test
  void tokenCreatedWithoutAccountIsTheCallersOwn() {
    String name = unique("implicit");
    GantryClient caller = client(account(name, "robot", "deployer"));
    Map<String, Object> created = Json.parseObject(caller.send("POST", TOKENS, Map.of("description", "mine"),
        "application/json"));
    assertThat(created).containsEntry("account", name).containsEntry("expiresAt", null);
  }

  @Test
  void nonAdminCannotIssueTokenForAnotherAccount() {
    String name = unique("robot");
    GantryClient robot = client(account(name, "robot", "deployer"));
    refusedWithoutChange(name, "POST", TOKENS, 403, "forbidden", () -> robot.createToken(ADMIN, null, "escalate"));
    String human = unique("approver");
    account(human, "human", "approver");
    refusedWithoutChange(name, "POST", TOKENS, 403, "forbidden", () -> robot.createToken(human, null, "impersonate"));
  }

  @Test
  void nonAdminCannotRevokeOrListOtherAccountsTokens() {
    String victim = unique("victim");
    GantryClient victimClient = client(account(victim, "human", "approver"));
    String victimTokenId = (String) victimClient.whoami().get("tokenId");
    String name = unique("nosy");
    GantryClient nosy = client(account(name, "human", "viewer", "operator"));

    refusedWithoutChange(name, "POST", TOKENS + "/" + victimTokenId + "/revoke", 403, "forbidden",
        () -> nosy.revokeToken(victimTokenId));
    refusedWithoutChange(name, "GET", TOKENS, 403, "forbidden", () -> nosy.listTokens(victim));
    refusedWithoutChange(name, "GET", TOKENS, 403, "forbidden", () -> nosy.listTokens(null));
    assertThat(victimClient.whoami().get("account")).isEqualTo(victim);
  }

  @Test
  void adminMayRevokeAnyToken() {
    String name = unique("revokee");
    String token = account(name, "robot", "deployer");
    String id = (String) client(token).whoami().get("tokenId");
    assertThat(admin().revokeToken(id)).containsEntry("revoked", true);
    assertProblem(raw().send("GET", "/api/v1/whoami", "Bearer " + token, null, (String) null), 401, "token-revoked");
  }

  @Test
  void revokingAnUnknownTokenIsNotFound() {
    refusedWithoutChange(ADMIN, "POST", TOKENS + "/000000000000/revoke", 404, "not-found",
        () -> admin().revokeToken("000000000000"));
  }

  @Test
  void badExpiryIsRefusedNamingTheExpectedForm() {
    String name = unique("ttl");
    admin().createAccount(name, "human", List.of("viewer"));
    for (String ttl : List.of("30x", "0d", "-1d", "1.5h", "d", "1000000d")) {
      Map<String, Object> problem = refusedWithoutChange(ADMIN, "POST", TOKENS, 400, "bad-request",
          () -> admin().createToken(name, ttl, null));
      assertThat(problem.get("detail")).asString().contains("expiresIn: '" + ttl + "'").contains("e.g. 30d");
    }
  }

  @Test
  void descriptionsLongerThan200CharactersAreRefused() {
    String name = unique("desc");
    admin().createAccount(name, "human", List.of("viewer"));
    refusedWithoutChange(ADMIN, "POST", TOKENS, 400, "bad-description",
        () -> admin().createToken(name, null, "d".repeat(201)));
    assertThat(admin().createToken(name, null, "d".repeat(200))).containsEntry("description", "d".repeat(200));
  }

  @Test
  void tokenForUnknownAccountIsNotFound() {
    String ghost = unique("ghost");
    refusedWithoutChange(ADMIN, "POST", TOKENS, 404, "no-such-account", () -> admin().createToken(ghost, null, null));
  }
}
