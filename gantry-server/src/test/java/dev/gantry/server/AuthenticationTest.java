package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.server.Endpoints.Endpoint;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/**
 * Every request but a health check needs a live token of an enabled account; each refusal is a 401
 * problem document and a {@code request.refused} ledger entry naming {@code anonymous}.
 */
class AuthenticationTest extends ApiTestSupport {
  private static final String ANONYMOUS = "anonymous";

  @Autowired
  ApplicationContext context;

  /** Every endpoint the application registered under /api/v1 except health, and the metrics. */
  List<Endpoint> protectedEndpoints() {
    List<Endpoint> all = new ArrayList<>(Endpoints.api(context));
    all.removeIf(e -> e.pattern().equals("/api/v1/health"));
    all.add(new Endpoint("GET", "/actuator/prometheus"));
    return all;
  }

  /** Sends one request per protected endpoint with authorization; each must be refused and recorded. */
  void assertEveryProtectedEndpointRefuses(String authorization, String code) {
    assertEveryProtectedEndpointRefuses(authorization, code, ANONYMOUS);
  }

  /** principal: who the refusal names (the token's account when the token is real but unusable). */
  void assertEveryProtectedEndpointRefuses(String authorization, String code, String principal) {
    for (Endpoint e : protectedEndpoints()) {
      clock.advance(Duration.ofSeconds(1)); // a fresh refusal budget: each refusal here must be recorded
      long size = ledgerSize();
      RawHttp.Response r = raw().send(e.method(), e.path(), authorization,
          e.hasBody() ? "application/json" : null, e.hasBody() ? "{}" : null);
      try {
        assertProblem(r, 401, code);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(r.json().get("instance")).isEqualTo(e.path());
        assertThat(ledgerSize()).as("ledger grows by the refusal only").isEqualTo(size + 1);
        assertRefusalRecorded(size + 1, principal, e.method(), e.path(), 401);
      } catch (AssertionError failure) {
        throw new AssertionError(e + " with Authorization " + authorization + ": " + failure.getMessage(), failure);
      }
    }
  }

  static String randomWellFormedToken() {
    byte[] b = new byte[32];
    new Random(42).nextBytes(b);
    return "gty_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  @Test
  void healthIsOpenToCallersWithoutToken() {
    Map<String, Object> health = anonymous().health();
    assertThat(health.get("status")).isEqualTo("UP");
    assertThat((Long) health.get("ledgerSize")).isGreaterThanOrEqualTo(3);
    assertThat(health.get("origin")).isEqualTo(dataDirectory.verifierKey().name());
    assertThat(raw().send("GET", "/actuator/health", null, null, (String) null).status()).isEqualTo(200);
    assertThat(raw().send("GET", "/actuator/health/liveness", null, null, (String) null).status()).isEqualTo(200);
  }

  @Test
  void protectedEndpointsAreDiscoveredFromTheApplication() {
    assertThat(protectedEndpoints()).extracting(Endpoint::toString).contains(
        "GET /api/v1/whoami", "GET /api/v1/openapi.json",
        "GET /api/v1/accounts", "POST /api/v1/accounts", "GET /api/v1/accounts/{name}",
        "PUT /api/v1/accounts/{name}/roles", "POST /api/v1/accounts/{name}/disable",
        "GET /api/v1/tokens", "POST /api/v1/tokens", "POST /api/v1/tokens/{id}/revoke",
        "GET /api/v1/audit/verify", "GET /api/v1/audit/entries", "GET /api/v1/audit/proof",
        "GET /api/v1/audit/checkpoint", "POST /api/v1/audit/checkpoints", "GET /api/v1/audit/export",
        "GET /actuator/prometheus");
  }

  @Test
  void everyProtectedEndpointRefusesRequestsWithoutToken() {
    assertEveryProtectedEndpointRefuses(null, "unauthenticated");
  }

  @Test
  void everyProtectedEndpointRefusesOtherAuthorizationSchemes() {
    assertEveryProtectedEndpointRefuses("Basic YWRtaW46YWRtaW4=", "unauthenticated");
  }

  @Test
  void everyProtectedEndpointRefusesMalformedToken() {
    assertEveryProtectedEndpointRefuses("Bearer not-a-token", "bad-token");
  }

  @Test
  void tokensOfTheWrongShapeAreRefusedBeforeLookup() {
    String good = randomWellFormedToken();
    for (String bad : List.of(good.substring(0, good.length() - 1), good + "A", "xyz_" + good.substring(4),
        good.substring(0, 10) + "!" + good.substring(11), good.substring(0, 10) + "+" + good.substring(11))) {
      RawHttp.Response r = raw().send("GET", "/api/v1/whoami", "Bearer " + bad, null, (String) null);
      assertProblem(r, 401, "bad-token");
      assertThat(r.json().get("detail")).asString().contains("expected gty_ and 43 characters");
    }
  }

  @Test
  void everyProtectedEndpointRefusesUnknownToken() {
    assertEveryProtectedEndpointRefuses("Bearer " + randomWellFormedToken(), "bad-token");
  }

  @Test
  void everyProtectedEndpointRefusesRevokedToken() {
    String name = unique("revoked");
    String token = account(name, "human", "viewer");
    Map<String, Object> me = client(token).whoami();
    assertThat(me.get("account")).isEqualTo(name);

    admin().revokeToken((String) me.get("tokenId"));

    assertEveryProtectedEndpointRefuses("Bearer " + token, "token-revoked", name);
  }

  @Test
  void tokenWorksUntilItsExpiryInstantAndNotFromThen() {
    String name = unique("expiring");
    admin().createAccount(name, "human", List.of("viewer"));
    Map<String, Object> created = admin().createToken(name, "1h", "expires soon");
    String token = secret(created);
    assertThat(created.get("expiresAt")).isEqualTo(
        dev.gantry.core.ledger.LedgerEntry.formatTime(clock.instant().plus(Duration.ofHours(1))));

    clock.advance(Duration.ofHours(1).minusMillis(1));
    assertThat(client(token).whoami().get("account")).isEqualTo(name);

    clock.advance(Duration.ofMillis(1));
    RawHttp.Response r = raw().send("GET", "/api/v1/whoami", "Bearer " + token, null, (String) null);
    assertProblem(r, 401, "token-expired");
    assertThat(r.json().get("detail")).asString().contains((String) created.get("expiresAt"));
  }

  @Test
  void everyProtectedEndpointRefusesExpiredToken() {
    String name = unique("expired");
    admin().createAccount(name, "robot", List.of("deployer"));
    String token = secret(admin().createToken(name, "30d", "expires in a month"));
    assertThat(client(token).whoami().get("account")).isEqualTo(name);

    clock.advance(Duration.ofDays(30));

    assertEveryProtectedEndpointRefuses("Bearer " + token, "token-expired", name);
  }

  @Test
  void everyProtectedEndpointRefusesTokenOfDisabledAccount() {
    String name = unique("leaver");
    String token = account(name, "human", "viewer", "operator");
    String second = secret(client(token).createToken(name, null, "second token"));
    assertThat(client(token).whoami().get("account")).isEqualTo(name);

    Map<String, Object> disabled = admin().disableAccount(name, "left the company");
    assertThat(disabled.get("disabled")).isEqualTo(true);

    assertEveryProtectedEndpointRefuses("Bearer " + token, "account-disabled", name);
    assertProblem(raw().send("GET", "/api/v1/whoami", "Bearer " + second, null, (String) null), 401, "account-disabled");
    refused(409, "account-disabled", () -> admin().createToken(name, null, "one more"));
  }

  @Test
  void whoamiNamesTheCallerAndItsToken() {
    Map<String, Object> me = admin().whoami();
    assertThat(me.get("account")).isEqualTo(ADMIN);
    assertThat(me.get("kind")).isEqualTo("human");
    assertThat(me.get("roles")).isEqualTo(List.of("admin"));
    assertThat(admin().listTokens(ADMIN)).anySatisfy(t -> {
      assertThat(t).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
          .containsEntry("id", me.get("tokenId"))
          .containsEntry("description", "bootstrap admin token");
    });
  }

  @Test
  void bootstrapTokenFileIsReadableByItsOwnerOnly() throws Exception {
    assertThat(Files.getPosixFilePermissions(dataDirectory.bootstrapTokenFile()))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(adminToken()).matches("gty_[A-Za-z0-9_-]{43}");
  }

  @Test
  void healthPathsDoNotOpenOtherPathsByTraversal() {
    for (String sneaky : List.of("/actuator/health/../prometheus", "/actuator/health/..;/prometheus",
        "/actuator/health/%2e%2e/prometheus", "/api/v1/health/../whoami", "/api/v1/health/..%2fwhoami")) {
      assertThat(raw().statusOfVerbatimGet(sneaky)).as(sneaky).isIn(400, 401, 404);
    }
  }

  @Test
  void refusalsOverFiftyASecondFromOneCallerAreCountedInsteadOfRecorded() {
    String bad = "Bearer " + randomWellFormedToken();
    double unrecordedBefore = unrecordedRefusals();
    long size = ledgerSize();

    for (int i = 0; i < 60; i++) {
      assertProblem(raw().send("GET", "/api/v1/whoami", bad, null, (String) null), 401, "bad-token");
    }

    assertThat(ledgerSize()).as("only 50 refusals are recorded within one second").isEqualTo(size + 50);
    assertThat(unrecordedRefusals() - unrecordedBefore).isEqualTo(10.0);

    clock.advance(Duration.ofSeconds(1));
    assertProblem(raw().send("GET", "/api/v1/whoami", bad, null, (String) null), 401, "bad-token");
    assertThat(ledgerSize()).as("the next second has a new budget").isEqualTo(size + 51);
    assertRefusalRecorded(size + 51, ANONYMOUS, "GET", "/api/v1/whoami", 401);
  }

  private double unrecordedRefusals() {
    RawHttp.Response r = raw().get("/actuator/prometheus", "Bearer " + adminToken(), "text/plain");
    assertThat(r.status()).isEqualTo(200);
    Matcher m = Pattern.compile("(?m)^gantry_refusals_unrecorded_total(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(r.body());
    assertThat(m.find()).as("gantry_refusals_unrecorded_total in\n%s", r.body()).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
