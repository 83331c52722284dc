package dev.gantry.client;

import dev.gantry.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A thin client of {@code /api/v1}: one method per endpoint, JSON as plain maps ({@link Json}).
 * Errors come back as {@link GantryApiException} carrying the server's problem detail.
 */
public final class GantryClient {
  private final URI base;
  private final String token;
  private final HttpClient http;

  public GantryClient(URI base, String token) {
    String b = base.toString();
    this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public URI base() {
    return base;
  }

  // ---------------------------------------------------------------- endpoints

  public Map<String, Object> health() {
    return object(send("GET", "/api/v1/health", null, "application/json"));
  }

  public Map<String, Object> whoami() {
    return object(send("GET", "/api/v1/whoami", null, "application/json"));
  }

  public Map<String, Object> createAccount(String name, String kind, List<String> roles) {
    return object(send("POST", "/api/v1/accounts", Map.of("name", name, "kind", kind, "roles", roles), "application/json"));
  }

  public List<Object> listAccounts() {
    return list(send("GET", "/api/v1/accounts", null, "application/json"));
  }

  public Map<String, Object> setRoles(String name, List<String> roles) {
    return object(send("PUT", "/api/v1/accounts/" + path(name) + "/roles", Map.of("roles", roles), "application/json"));
  }

  public Map<String, Object> disableAccount(String name, String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("reason", reason == null ? "" : reason);
    return object(send("POST", "/api/v1/accounts/" + path(name) + "/disable", body, "application/json"));
  }

  /** Creates a token; the answer's {@code token} member is the secret, shown this once. */
  public Map<String, Object> createToken(String account, String expiresIn, String description) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("account", account);
    if (expiresIn != null) {
      body.put("expiresIn", expiresIn);
    }
    if (description != null) {
      body.put("description", description);
    }
    return object(send("POST", "/api/v1/tokens", body, "application/json"));
  }

  public List<Object> listTokens(String account) {
    return list(send("GET", "/api/v1/tokens" + query("account", account), null, "application/json"));
  }

  public Map<String, Object> revokeToken(String id) {
    return object(send("POST", "/api/v1/tokens/" + path(id) + "/revoke", Map.of(), "application/json"));
  }

  public Map<String, Object> verify() {
    return object(send("GET", "/api/v1/audit/verify", null, "application/json"));
  }

  /** Entries from seq on, optionally about one subject. */
  public List<Object> entries(long from, int limit, String subject) {
    return list(send("GET", "/api/v1/audit/entries" + query("from", String.valueOf(from), "limit",
        String.valueOf(limit), "subject", subject), null, "application/json"));
  }

  public String proof(long seq) {
    return send("GET", "/api/v1/audit/proof" + query("seq", String.valueOf(seq)), null, "text/plain");
  }

  public String signCheckpoint() {
    return send("POST", "/api/v1/audit/checkpoints", Map.of(), "text/plain");
  }

  public String latestCheckpoint() {
    return send("GET", "/api/v1/audit/checkpoint", null, "text/plain");
  }

  /** The export stream (JSON Lines): a header line, then one line per entry. Caller closes it. */
  public InputStream export() {
    HttpRequest req = request("GET", "/api/v1/audit/export", null, "application/x-ndjson");
    try {
      HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() >= 300) {
        String text = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        throw error(r.statusCode(), text);
      }
      return r.body();
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Streams a file to the artifact store; returns {sha256, size}. */
  public Map<String, Object> uploadArtifact(java.nio.file.Path file) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1/artifacts/uploads"))
        .timeout(Duration.ofMinutes(30))
        .header("Accept", "application/json, application/problem+json")
        .header("Content-Type", "application/octet-stream");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      b.POST(HttpRequest.BodyPublishers.ofFile(file));
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (r.statusCode() >= 300) {
        throw error(r.statusCode(), r.body());
      }
      return object(r.body());
    } catch (java.io.FileNotFoundException e) {
      throw new IllegalArgumentException("no such file: " + file);
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Registers an uploaded artifact; see the API for the members of request. */
  public Map<String, Object> registerArtifact(Map<String, Object> request) {
    return object(send("POST", "/api/v1/artifacts", request, "application/json"));
  }

  public List<Object> artifacts(String service) {
    return list(send("GET", "/api/v1/artifacts" + query("service", service), null, "application/json"));
  }

  public Map<String, Object> artifact(String ref) {
    return object(send("GET", "/api/v1/artifacts/" + path(ref), null, "application/json"));
  }

  /** The service's newest artifact, or null when it has none. */
  public Map<String, Object> latestArtifact(String service) {
    try {
      return object(send("GET", "/api/v1/services/" + path(service) + "/artifacts/latest", null, "application/json"));
    } catch (GantryApiException e) {
      if (e.status() == 404) {
        return null;
      }
      throw e;
    }
  }

  public String provenance(String ref) {
    return send("GET", "/api/v1/artifacts/" + path(ref) + "/provenance", null, "application/json");
  }

  /** Downloads the stamped artifact (or the bytes as built) to out. */
  public void downloadArtifact(String ref, boolean stamped, java.nio.file.Path out) {
    HttpRequest req = request("GET", "/api/v1/artifacts/" + path(ref) + "/content?stamped=" + stamped, null,
        "application/octet-stream");
    try {
      HttpResponse<java.nio.file.Path> r = http.send(req, HttpResponse.BodyHandlers.ofFile(out));
      if (r.statusCode() >= 300) {
        String body = java.nio.file.Files.readString(out);
        java.nio.file.Files.deleteIfExists(out);
        throw error(r.statusCode(), body);
      }
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  public String provenanceKey() {
    return send("GET", "/api/v1/provenance/key", null, "application/x-pem-file");
  }

  /** Adds test evidence: reports maps file names to JUnit XML text. */
  public Map<String, Object> addTests(String ref, String suite, Map<String, String> reports) {
    List<Object> list = new java.util.ArrayList<>();
    reports.forEach((name, xml) -> list.add(Map.of("name", name, "xml", xml)));
    return object(send("POST", "/api/v1/artifacts/" + path(ref) + "/tests", Map.of("suite", suite, "reports", list),
        "application/json"));
  }

  public List<Object> testHistory(String test) {
    return list(send("GET", "/api/v1/tests/history" + query("test", test), null, "application/json"));
  }

  public Map<String, Object> trace(String ref) {
    return object(send("GET", "/api/v1/trace/" + path(ref), null, "application/json"));
  }

  public Map<String, Object> requirement(String id) {
    return object(send("GET", "/api/v1/requirements/" + path(id), null, "application/json"));
  }

  public Map<String, Object> applyService(String name, Map<String, Object> spec) {
    return object(send("PUT", "/api/v1/services/" + path(name), spec, "application/json"));
  }

  public List<Object> services() {
    return list(send("GET", "/api/v1/services", null, "application/json"));
  }

  public Map<String, Object> service(String name) {
    return object(send("GET", "/api/v1/services/" + path(name), null, "application/json"));
  }

  public Map<String, Object> deploy(String service, String serial) {
    return object(send("POST", "/api/v1/services/" + path(service) + "/deployments", Map.of("serial", serial),
        "application/json"));
  }

  public Map<String, Object> rollback(String service, String reason) {
    return object(send("POST", "/api/v1/services/" + path(service) + "/rollback", reasonBody(reason), "application/json"));
  }

  /**
   * Deploys serial into environment (null: the default one) through its policy gate; breakGlass (operators
   * only, with a reason) rolls back to an artifact already deployed there past the rules that fail now.
   */
  public Map<String, Object> deploy(String service, String serial, String environment, boolean breakGlass,
      String reason) {
    return deploy(service, serial, environment, breakGlass, reason, false);
  }

  /** The same, and with sideBySide the running versions stay (each at its own address until retired). */
  public Map<String, Object> deploy(String service, String serial, String environment, boolean breakGlass,
      String reason, boolean sideBySide) {
    Map<String, Object> b = new java.util.LinkedHashMap<>();
    b.put("serial", serial);
    if (sideBySide) {
      b.put("sideBySide", true);
    }
    if (environment != null) {
      b.put("environment", environment);
    }
    if (breakGlass) {
      b.put("breakGlass", true);
    }
    if (reason != null) {
      b.put("reason", reason);
    }
    return object(send("POST", "/api/v1/services/" + path(service) + "/deployments", b, "application/json"));
  }

  public Map<String, Object> rollback(String service, String reason, boolean breakGlass) {
    Map<String, Object> b = new java.util.LinkedHashMap<>(reasonBody(reason));
    if (breakGlass) {
      b.put("breakGlass", true);
    }
    return object(send("POST", "/api/v1/services/" + path(service) + "/rollback", b, "application/json"));
  }

  // ---------------------------------------------------------------- environments and releases

  public Map<String, Object> applyEnvironment(String name, Map<String, Object> definition) {
    return object(send("PUT", "/api/v1/environments/" + path(name), definition, "application/json"));
  }

  public List<Object> environments() {
    return list(send("GET", "/api/v1/environments", null, "application/json"));
  }

  public Map<String, Object> environment(String name) {
    return object(send("GET", "/api/v1/environments/" + path(name), null, "application/json"));
  }

  /** What the environment's policy would decide for serial now; records nothing. */
  public Map<String, Object> checkRelease(String service, String serial, String environment) {
    return object(send("GET", "/api/v1/services/" + path(service) + "/releases/" + path(serial) + "/check"
        + query("environment", environment), null, "application/json"));
  }

  /** decision is "approve" or "reject". */
  public Map<String, Object> decideRelease(String service, String serial, String environment, String decision,
      String comment) {
    Map<String, Object> b = new java.util.LinkedHashMap<>();
    b.put("environment", environment);
    b.put("decision", decision);
    if (comment != null) {
      b.put("comment", comment);
    }
    return object(send("POST", "/api/v1/services/" + path(service) + "/releases/" + path(serial) + "/approvals", b,
        "application/json"));
  }

  public List<Object> approvals(String service, String serial) {
    return list(send("GET", "/api/v1/services/" + path(service) + "/releases/" + path(serial) + "/approvals", null,
        "application/json"));
  }

  public Map<String, Object> abort(String service, String reason) {
    return object(send("POST", "/api/v1/services/" + path(service) + "/abort", reasonBody(reason), "application/json"));
  }

  /** Deploys serial beside the running versions (sideBySide) or in place of the current one. */
  public Map<String, Object> deploy(String service, String serial, boolean sideBySide) {
    return object(send("POST", "/api/v1/services/" + path(service) + "/deployments", Map.of("serial", serial,
        "sideBySide", sideBySide), "application/json"));
  }

  /** A service's versions: addresses, clients, leases, retirement. */
  public List<Object> versions(String service) {
    return list(send("GET", "/api/v1/services/" + path(service) + "/versions", null, "application/json"));
  }

  /** Every service's running versions. */
  public List<Object> versionDirectory() {
    return list(send("GET", "/api/v1/versions", null, "application/json"));
  }

  /** What would retire and why (dryRun), or retire it now. */
  public Map<String, Object> retireVersions(String service, boolean dryRun) {
    return object(send("POST", "/api/v1/services/" + path(service) + "/versions/retire", Map.of("dryRun", dryRun),
        "application/json"));
  }

  /** Pins the default address to a version label, or unpins it (label null). */
  public Map<String, Object> pinVersion(String service, String label) {
    Map<String, Object> b = new java.util.LinkedHashMap<>();
    if (label != null) {
      b.put("version", label);
    }
    return object(send("POST", "/api/v1/services/" + path(service) + "/versions/pin", b, "application/json"));
  }

  public Map<String, Object> acquireLease(String service, String label, String client, String ttl) {
    return object(send("POST", "/api/v1/services/" + path(service) + "/versions/" + path(label) + "/leases",
        Map.of("client", client, "ttl", ttl), "application/json"));
  }

  public Map<String, Object> renewLease(String id, String ttl) {
    return object(send("POST", "/api/v1/leases/" + path(id) + "/renew", Map.of("ttl", ttl), "application/json"));
  }

  public Map<String, Object> releaseLease(String id) {
    return object(send("POST", "/api/v1/leases/" + path(id) + "/release", Map.of(), "application/json"));
  }

  /** Promotes a canary past its current step, or (full) to all traffic. */
  public Map<String, Object> promote(String service, boolean full) {
    return object(send("POST", "/api/v1/services/" + path(service) + "/promote", Map.of("full", full),
        "application/json"));
  }

  /** A deployment's analysis runs, newest first. */
  public List<Object> analysis(String service, String deployment, int limit) {
    return list(send("GET", "/api/v1/services/" + path(service) + "/deployments/" + path(deployment) + "/analysis"
        + query("limit", String.valueOf(limit)), null, "application/json"));
  }

  /** Halts one service, or all when service is null. */
  public Map<String, Object> halt(String service, String reason) {
    Map<String, Object> b = reasonBody(reason);
    if (service != null) {
      b.put("service", service);
    }
    return object(send("POST", "/api/v1/halt", b, "application/json"));
  }

  public Map<String, Object> resume(String service) {
    Map<String, Object> b = new java.util.LinkedHashMap<>();
    if (service != null) {
      b.put("service", service);
    }
    return object(send("POST", "/api/v1/resume", b, "application/json"));
  }

  public String logs(String service, int lines) {
    return send("GET", "/api/v1/services/" + path(service) + "/logs" + query("lines", String.valueOf(lines)), null,
        "text/plain");
  }

  private static Map<String, Object> reasonBody(String reason) {
    Map<String, Object> b = new java.util.LinkedHashMap<>();
    if (reason != null) {
      b.put("reason", reason);
    }
    return b;
  }

  // ---------------------------------------------------------------- plumbing

  /** Sends a request and returns the body text; non-2xx answers become {@link GantryApiException}. */
  public String send(String method, String pathAndQuery, Object jsonBody, String accept) {
    HttpRequest req = request(method, pathAndQuery, jsonBody, accept);
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (r.statusCode() >= 300) {
        throw error(r.statusCode(), r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private HttpRequest request(String method, String pathAndQuery, Object jsonBody, String accept) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
        .timeout(Duration.ofSeconds(120))
        .header("Accept", accept + ", application/problem+json");
    if (token != null && !token.isEmpty()) {
      b.header("Authorization", "Bearer " + token);
    }
    if (jsonBody != null) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(Json.write(jsonBody)));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return b.build();
  }

  private RuntimeException unreachable(IOException e) {
    String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
    return new GantryApiException(0, Map.of(), "cannot reach the Gantry server at " + base + " (" + why + ")");
  }

  private static GantryApiException error(int status, String body) {
    Map<String, Object> problem;
    try {
      problem = Json.parseObject(body);
    } catch (RuntimeException e) {
      problem = Map.of();
    }
    Object detail = problem.get("detail");
    Object title = problem.get("title");
    String msg = detail != null ? detail.toString() : title != null ? title.toString() : "HTTP " + status;
    return new GantryApiException(status, problem, msg);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String body) {
    return body.isBlank() ? Map.of() : (Map<String, Object>) Json.parse(body);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(String body) {
    return (List<Object>) Json.parse(body);
  }

  private static String path(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String query(String... kv) {
    StringJoiner j = new StringJoiner("&", "?", "");
    j.setEmptyValue("");
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        j.add(kv[i] + "=" + URLEncoder.encode(kv[i + 1], StandardCharsets.UTF_8));
      }
    }
    return j.toString();
  }
}
