package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.server.RawHttp.Framing;
import dev.gantry.server.system.GantryProperties;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Account management: separation of duties, who may manage accounts, and strict request bodies. Every
 * refused request leaves the projections as they were and appends one {@code request.refused} entry
 * naming the caller.
 */
class AccountRulesTest extends ApiTestSupport {
  private static final String ACCOUNTS = "/api/v1/accounts";
  private static final String JSON = "application/json";

  @Autowired
  GantryProperties properties;

  static Stream<Arguments> forbiddenRoleCombinations() {
    return Stream.of(
        Arguments.of("human", List.of("admin", "deployer"), "an admin cannot also hold deployer"),
        Arguments.of("human", List.of("admin", "approver"), "an admin cannot also hold approver"),
        Arguments.of("robot", List.of("approver"), "a robot cannot hold approver"),
        Arguments.of("robot", List.of("admin"), "a robot cannot hold admin"),
        Arguments.of("robot", List.of("deployer", "approver"), "a robot cannot hold approver"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("forbiddenRoleCombinations")
  void adminCannotCreateAccountWithForbiddenRoleCombination(String kind, List<String> roles, String reason) {
    String name = unique("sod");
    Map<String, Object> problem = refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 403, "separation-of-duties",
        () -> admin().createAccount(name, kind, roles));
    assertThat(problem.get("detail")).asString().contains(reason);
  }

  @Test
  void adminCannotGrantForbiddenRoleCombinationToExistingAccount() {
    String robot = unique("ci");
    admin().createAccount(robot, "robot", List.of("deployer"));
    refusedWithoutChange(ADMIN, "PUT", ACCOUNTS + "/" + robot + "/roles", 403, "separation-of-duties",
        () -> admin().setRoles(robot, List.of("deployer", "approver")));

    String human = unique("approver");
    admin().createAccount(human, "human", List.of("approver"));
    refusedWithoutChange(ADMIN, "PUT", ACCOUNTS + "/" + human + "/roles", 403, "separation-of-duties",
        () -> admin().setRoles(human, List.of("approver", "admin")));
  }

  @Test
  void adminCreatesAccountsWithAllowedRolesAndChangesTheirRoles() {
    String robot = unique("ci");
    String human = unique("alice");
    Map<String, Object> created = admin().createAccount(robot, "robot", List.of("deployer", "viewer"));
    assertThat(created).containsEntry("name", robot).containsEntry("kind", "robot")
        .containsEntry("roles", List.of("deployer", "viewer")).containsEntry("disabled", false).containsKey("seq");
    admin().createAccount(human, "human", List.of("approver", "operator"));

    Map<String, Object> changed = admin().setRoles(human, List.of("viewer"));
    assertThat(changed).containsEntry("roles", List.of("viewer"));
    assertThat(admin().listAccounts()).extracting(a -> map(a).get("name")).contains(robot, human);
    assertThat(client(account(unique("reader"), "human", "viewer")).listAccounts()).hasSameSizeAs(admin().listAccounts());
  }

  @ParameterizedTest
  @ValueSource(strings = {"deployer", "approver", "operator", "auditor", "viewer"})
  void accountsWithoutAdminCannotCreateAccounts(String role) {
    String caller = unique(role);
    String token = account(caller, role.equals("deployer") ? "robot" : "human", role);
    refusedWithoutChange(caller, "POST", ACCOUNTS, 403, "forbidden",
        () -> client(token).createAccount(unique("new"), "human", List.of("viewer")));
    refusedWithoutChange(caller, "POST", ACCOUNTS + "/" + ADMIN + "/disable", 403, "forbidden",
        () -> client(token).disableAccount(ADMIN, "coup"));
  }

  @Test
  void adminCannotChangeItsOwnRoles() {
    Map<String, Object> problem = refusedWithoutChange(ADMIN, "PUT", ACCOUNTS + "/admin/roles", 403, "forbidden",
        () -> admin().setRoles(ADMIN, List.of("admin", "auditor")));
    assertThat(problem.get("detail")).asString().contains("own roles");
  }

  @Test
  void adminCannotDisableItself() {
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS + "/admin/disable", 409, "self-disable",
        () -> admin().disableAccount(ADMIN, "oops"));
  }

  @Test
  void unknownAccountsAreNotFound() {
    String ghost = unique("ghost");
    refusedWithoutChange(ADMIN, "PUT", ACCOUNTS + "/" + ghost + "/roles", 404, "no-such-account",
        () -> admin().setRoles(ghost, List.of("viewer")));
    refusedWithoutChange(ADMIN, "GET", ACCOUNTS + "/" + ghost, 404, "not-found",
        () -> admin().send("GET", ACCOUNTS + "/" + ghost, null, JSON));
  }

  @Test
  void existingAccountCannotBeCreatedAgain() {
    String name = unique("twice");
    admin().createAccount(name, "human", List.of("viewer"));
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 409, "account-exists",
        () -> admin().createAccount(name, "human", List.of("approver")));
  }

  @Test
  void unknownRoleIsRefusedNamingTheAcceptedRoles() {
    Map<String, Object> problem = refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "bad-request",
        () -> admin().createAccount(unique("x"), "human", List.of("viewer", "superuser")));
    assertThat(problem.get("detail")).isEqualTo(
        "role: 'superuser' (expected one of: viewer, deployer, approver, operator, admin, auditor)");
  }

  @Test
  void unknownKindIsRefusedNamingTheAcceptedKinds() {
    Map<String, Object> problem = refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "bad-request",
        () -> admin().createAccount(unique("x"), "alien", List.of("viewer")));
    assertThat(problem.get("detail")).isEqualTo("kind: 'alien' (expected one of: human, robot)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "a/b", "A", "..", "a..b", ".hidden", "-dash", "a b", "a\\b", "", "é"})
  void namesThatAreNotSafeInPathsAreRefused(String name) {
    Map<String, Object> problem = refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "bad-request",
        () -> admin().createAccount(name, "human", List.of("viewer")));
    assertThat(problem.get("detail")).asString().startsWith("account name: ").contains("expected: 1-63 of a-z 0-9");
  }

  @Test
  void namesLongerThan63CharactersAreRefused() {
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "bad-request",
        () -> admin().createAccount("a".repeat(64), "human", List.of("viewer")));
    String longest = "b".repeat(63);
    assertThat(admin().createAccount(longest, "human", List.of("viewer"))).containsEntry("name", longest);
  }

  @ParameterizedTest
  @ValueSource(strings = {"anonymous", "system"})
  void reservedNamesAreRefused(String name) {
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "reserved-name",
        () -> admin().createAccount(name, "human", List.of("viewer")));
  }

  // ---------------------------------------------------------------- request bodies

  private RawHttp.Response post(String body) {
    return raw().send("POST", ACCOUNTS, "Bearer " + adminToken(), JSON, body);
  }

  @Test
  void unknownJsonMembersAreRefusedNamingTheExpectedOnes() {
    String body = "{\"name\":\"" + unique("typo") + "\",\"kind\":\"human\",\"role\":[\"viewer\"],\"roles\":[]}";
    RawHttp.Response r = refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "unknown-member", () -> post(body));
    assertThat(r.json().get("detail")).isEqualTo("unknown member(s) [role] (expected: [kind, name, roles])");
  }

  @Test
  void duplicateJsonMembersAreRefused() {
    String body = "{\"name\":\"" + unique("dup") + "\",\"kind\":\"human\",\"roles\":[],\"roles\":[\"admin\"]}";
    RawHttp.Response r = refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "malformed-json", () -> post(body));
    assertThat(r.json().get("detail")).asString().contains("duplicate member name \"roles\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"name\":", "nope", "[]", "\"text\"", "{\"name\":\"x\",\"kind\":\"human\",\"roles\":[]} {}",
      "{'name':'x'}", "{\"name\":\"x\",}"})
  void malformedJsonIsRefused(String body) {
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "malformed-json", () -> post(body));
  }

  @Test
  void missingMembersAreRefused() {
    RawHttp.Response r = refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "missing-member",
        () -> post("{\"name\":\"" + unique("half") + "\",\"kind\":\"human\"}"));
    assertThat(r.json().get("detail")).isEqualTo("member \"roles\" is required");
  }

  @Test
  void membersOfTheWrongTypeAreRefused() {
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "bad-request",
        () -> post("{\"name\":7,\"kind\":\"human\",\"roles\":[]}"));
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "bad-request",
        () -> post("{\"name\":\"" + unique("t") + "\",\"kind\":\"human\",\"roles\":\"viewer\"}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/xml", ""})
  void wrongContentTypeIsRefusedWith415(String type) {
    String body = "{\"name\":\"" + unique("plain") + "\",\"kind\":\"human\",\"roles\":[]}";
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 415, "unsupported-media-type",
        () -> raw().send("POST", ACCOUNTS, "Bearer " + adminToken(), type.isEmpty() ? null : type, body));
  }

  /** A valid account-creation body padded with JSON whitespace to exactly size bytes. */
  private static byte[] bodyOfSize(String name, long size) {
    String head = "{\"name\":\"" + name + "\",\"kind\":\"human\",\"roles\":[\"viewer\"]";
    String body = head + " ".repeat((int) (size - head.length() - 1)) + "}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    assertThat(bytes).hasSize((int) size);
    return bytes;
  }

  @Test
  void bodyOverTheLimitWithContentLengthIsRefusedWith413() {
    long max = properties.maxRequestBytes();
    byte[] body = bodyOfSize(unique("big"), max + 1);
    RawHttp.Response r = refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 413, "payload-too-large",
        () -> raw().send("POST", ACCOUNTS, "Bearer " + adminToken(), JSON, body, Framing.LENGTH));
    assertThat(r.json().get("detail")).asString().contains(String.valueOf(max));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Framing.class)
  void bodyOfExactlyTheLimitIsAccepted(Framing framing) {
    String name = unique("full");
    RawHttp.Response r = raw().send("POST", ACCOUNTS, "Bearer " + adminToken(), JSON,
        bodyOfSize(name, properties.maxRequestBytes()), framing);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json()).containsEntry("name", name);
  }

  /*
   * A chunked body has no Content-Length, so the filter cannot refuse it up front: the cap is enforced
   * while Spring MVC reads the body, and the resulting HttpMessageNotReadableException must still come
   * out as our 413 (not as Spring's generic "400 Failed to read request").
   */
  @Test
  void chunkedBodyOverTheLimitIsRefusedWith413() {
    byte[] body = bodyOfSize(unique("chunky"), properties.maxRequestBytes() + 1);
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 413, "payload-too-large",
        () -> raw().send("POST", ACCOUNTS, "Bearer " + adminToken(), JSON, body, Framing.CHUNKED));
  }

  /** Refusals raised inside Spring MVC (not by our code) get our problem document and are recorded too. */
  @Test
  void refusalsRaisedBySpringMvcCarryACodeAndAreRecorded() {
    String auth = "Bearer " + adminToken();
    refusedWithoutChange(ADMIN, "POST", ACCOUNTS, 400, "malformed-request",
        () -> raw().send("POST", ACCOUNTS, auth, JSON, ""));
    refusedWithoutChange(ADMIN, "DELETE", ACCOUNTS, 405, "method-not-allowed",
        () -> raw().send("DELETE", ACCOUNTS, auth, null, (String) null));
    refusedWithoutChange(ADMIN, "GET", "/api/v1/nothing-here", 404, "not-found",
        () -> raw().send("GET", "/api/v1/nothing-here", auth, null, (String) null));
    String auditorToken = auditorToken();
    String auditorName = (String) client(auditorToken).whoami().get("account");
    refusedWithoutChange(auditorName, "GET", "/api/v1/audit/proof", 400, "bad-parameter",
        () -> raw().get("/api/v1/audit/proof?seq=abc", "Bearer " + auditorToken, "text/plain"));
    refusedWithoutChange(auditorName, "GET", "/api/v1/audit/proof", 400, "bad-request",
        () -> raw().get("/api/v1/audit/proof", "Bearer " + auditorToken, "text/plain"));
  }
}
