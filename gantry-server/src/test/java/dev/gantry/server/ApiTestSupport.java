package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.client.GantryApiException;
import dev.gantry.client.GantryClient;
import dev.gantry.store.DataDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.annotation.DirtiesContext.ClassMode;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A real server on a loopback port with its own data directory under {@code target/} and a
 * {@link TestClock}; tests talk to it with the real {@link GantryClient} (and {@link RawHttp} for
 * requests the client will not make). Each test class gets a fresh server and ledger.
 */
@SpringBootTest(classes = GantryServerApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(TestClockConfiguration.class)
@DirtiesContext(classMode = ClassMode.AFTER_CLASS)
abstract class ApiTestSupport {
  static final String ADMIN = "admin";
  static final String PROBLEM_TYPE_BASE = "https://gantry.dev/problems/";

  private static final AtomicInteger NAMES = new AtomicInteger();
  /** Auditor token per running server (keyed by its data directory), created on first use. */
  private static final Map<Path, String> AUDITORS = new ConcurrentHashMap<>();

  @DynamicPropertySource
  static void dataDirectory(DynamicPropertyRegistry registry) {
    Path dir = TestDirs.fresh("server");
    registry.add("gantry.data-dir", dir::toString);
  }

  @LocalServerPort
  int port;

  @Autowired
  DataDirectory dataDirectory;

  @Autowired
  TestClock clock;

  private final Map<String, GantryClient> clients = new ConcurrentHashMap<>();

  /**
   * Each test starts in a new second of the test clock: the server records at most 50 refusals per
   * caller and second, and tests that count recorded refusals must not share a budget.
   */
  @BeforeEach
  void startANewSecond() {
    clock.advance(Duration.ofSeconds(1));
    auditor(); // created up front, so that its creation never lands between a test's before and after
  }

  // ---------------------------------------------------------------- clients

  URI base() {
    return URI.create("http://127.0.0.1:" + port);
  }

  GantryClient anonymous() {
    return client("");
  }

  GantryClient client(String token) {
    return clients.computeIfAbsent(token, t -> new GantryClient(base(), t));
  }

  RawHttp raw() {
    return new RawHttp(port);
  }

  String adminToken() {
    try {
      return Files.readString(dataDirectory.bootstrapTokenFile()).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  GantryClient admin() {
    return client(adminToken());
  }

  /** An auditor of this server (created by the admin once per server). */
  GantryClient auditor() {
    return client(auditorToken());
  }

  String auditorToken() {
    return AUDITORS.computeIfAbsent(dataDirectory.path(), p -> account(unique("auditor"), "human", "auditor"));
  }

  /** Creates an account as admin and issues it a token; returns the token's secret. */
  String account(String name, String kind, String... roles) {
    admin().createAccount(name, kind, List.of(roles));
    return secret(admin().createToken(name, null, "test token for " + name));
  }

  static String secret(Map<String, Object> createdToken) {
    return (String) createdToken.get("token");
  }

  /** A JSON object as the client returns it. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object json) {
    return (Map<String, Object>) json;
  }

  /** A valid account name not used before in this JVM. */
  static String unique(String prefix) {
    return prefix + "-" + NAMES.incrementAndGet();
  }

  // ---------------------------------------------------------------- ledger

  long ledgerSize() {
    return (Long) anonymous().health().get("ledgerSize");
  }

  /** All entries from seq on, read by the auditor page by page. */
  @SuppressWarnings("unchecked")
  List<Map<String, Object>> entriesFrom(long from) {
    List<Map<String, Object>> out = new ArrayList<>();
    long next = from;
    while (true) {
      List<Object> page = auditor().entries(next, 100, null);
      page.forEach(e -> out.add((Map<String, Object>) e));
      if (page.size() < 100) {
        return out;
      }
      next += page.size();
    }
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> entry(long seq) {
    List<Object> one = auditor().entries(seq, 1, null);
    assertThat(one).as("entry %d", seq).hasSize(1);
    return (Map<String, Object>) one.getFirst();
  }

  // ---------------------------------------------------------------- refusals

  /** Runs call, which must fail with status and code; checks the problem document and returns the error. */
  static GantryApiException refused(int status, String code, ThrowingCallable call) {
    try {
      call.call();
    } catch (GantryApiException e) {
      assertThat(e.status()).as("status of %s", e.problem()).isEqualTo(status);
      assertProblem(e.problem(), status, code);
      return e;
    } catch (Throwable t) {
      throw new AssertionError("expected a " + status + " " + code + " problem, got " + t, t);
    }
    throw new AssertionError("expected a " + status + " " + code + " problem, but the call succeeded");
  }

  static void assertProblem(Map<String, Object> problem, int status, String code) {
    assertThat(problem).as("problem document").containsKeys("type", "title", "status", "detail", "code");
    assertThat(problem.get("type")).isEqualTo(PROBLEM_TYPE_BASE + code);
    assertThat((String) problem.get("title")).isNotBlank();
    assertThat(problem.get("status")).isEqualTo((long) status);
    assertThat((String) problem.get("detail")).isNotBlank();
    assertThat(problem.get("code")).isEqualTo(code);
  }

  static void assertProblem(RawHttp.Response r, int status, String code) {
    assertThat(r.status()).as("status of %s", r.body()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertProblem(r.json(), status, code);
  }

  /** What the projections show: accounts and tokens, as the auditor lists them. */
  record Projection(List<Object> accounts, List<Object> tokens) {}

  Projection projection() {
    return new Projection(auditor().listAccounts(), auditor().listTokens(null));
  }

  /**
   * Runs a request that must be refused and checks that it changed nothing but the ledger's record of
   * the refusal: the projections are as before, and exactly one {@code request.refused} entry naming
   * actor was appended.
   */
  Map<String, Object> refusedWithoutChange(String actor, String method, String path, int status, String code,
      ThrowingCallable call) {
    Projection before = projection();
    long size = ledgerSize();
    GantryApiException e = refused(status, code, call);
    assertThat(projection()).as("projections after a refused request").isEqualTo(before);
    assertThat(ledgerSize()).as("ledger grows by the refusal only").isEqualTo(size + 1);
    assertRefusalRecorded(size + 1, actor, method, path, status);
    return e.problem();
  }

  /** The same for a raw request; returns its response after checking the problem document. */
  RawHttp.Response refusedWithoutChange(String actor, String method, String path, int status, String code,
      java.util.function.Supplier<RawHttp.Response> request) {
    Projection before = projection();
    long size = ledgerSize();
    RawHttp.Response r = request.get();
    assertProblem(r, status, code);
    assertThat(projection()).as("projections after a refused request").isEqualTo(before);
    assertThat(ledgerSize()).as("ledger grows by the refusal only").isEqualTo(size + 1);
    assertRefusalRecorded(size + 1, actor, method, path, status);
    return r;
  }

  @SuppressWarnings("unchecked")
  void assertRefusalRecorded(long seq, String actor, String method, String path, int status) {
    Map<String, Object> e = entry(seq);
    assertThat(e.get("type")).isEqualTo("request.refused");
    assertThat(e.get("actor")).isEqualTo(actor);
    assertThat(e.get("subject")).isEqualTo("request:" + actor);
    Map<String, Object> body = (Map<String, Object>) e.get("body");
    assertThat(body.get("principal")).isEqualTo(actor);
    assertThat(body.get("method")).isEqualTo(method);
    assertThat(body.get("path")).isEqualTo(path);
    assertThat(body.get("status")).isEqualTo((long) status);
    assertThat((String) body.get("reason")).isNotBlank();
  }
}
