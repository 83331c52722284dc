package dev.gantry.server.artifact;

import static dev.gantry.core.account.Role.DEPLOYER;

import dev.gantry.core.account.Role;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent.Source;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.provenance.EcKey;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.server.system.RequestBodies;
import dev.gantry.store.ArtifactQueries;
import dev.gantry.store.BlobStore;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Artifacts: upload, register, evidence, provenance, and the reads behind trace and history. */
@RestController
@RequestMapping("/api/v1")
class ArtifactController {
  static final Role[] READERS = Access.READERS;

  private final ArtifactService service;
  private final ArtifactQueries queries;
  private final BlobStore blobs;
  private final EcKey provenanceKey;

  ArtifactController(ArtifactService service, ArtifactQueries queries, BlobStore blobs, EcKey provenanceKey) {
    this.service = service;
    this.queries = queries;
    this.blobs = blobs;
    this.provenanceKey = provenanceKey;
  }

  /** Streams the request body into the content-addressed store; nothing is kept if it is cut off. */
  @PostMapping(path = "/artifacts/uploads", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
  ResponseEntity<Map<String, Object>> upload(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      HttpServletRequest req) throws IOException {
    Access.require(p, DEPLOYER);
    BlobStore.Blob b;
    try {
      b = service.upload(req.getInputStream());
    } catch (IOException e) {
      if (e.getClass().getSimpleName().equals("TooLarge")) {
        throw new ApiException(413, "payload-too-large", e.getMessage());
      }
      throw new ApiException(400, "upload-interrupted", "the upload did not complete: " + e.getMessage());
    }
    return ResponseEntity.status(HttpStatus.CREATED).body(Map.of("sha256", b.sha256(), "size", b.size()));
  }

  @PostMapping(path = "/artifacts", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> register(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @RequestBody String body) throws IOException {
    Access.require(p, DEPLOYER);
    Map<String, Object> m = RequestBodies.object(body,
        Set.of("service", "digest", "filename", "source", "allowDirty", "commits", "sbom", "tools"),
        Set.of("service", "digest", "filename"));
    Source source = null;
    if (m.get("source") instanceof Map<?, ?> raw) {
      @SuppressWarnings("unchecked")
      Map<String, Object> s = (Map<String, Object>) raw;
      source = new Source(Json.optStringOrNull(s, "repo"), Json.optStringOrNull(s, "commit"),
          Json.optStringOrNull(s, "branch"), Boolean.TRUE.equals(s.get("dirty")));
    } else if (m.get("source") != null) {
      throw ApiException.badRequest("source: expected an object {repo, commit, branch, dirty}");
    }
    List<Map<String, Object>> commits = new ArrayList<>();
    if (m.get("commits") instanceof List<?> l) {
      for (Object o : l) {
        if (!(o instanceof Map<?, ?> cm)) {
          throw ApiException.badRequest("commits: expected an array of objects");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) cm;
        commits.add(c);
      }
    } else if (m.get("commits") != null) {
      throw ApiException.badRequest("commits: expected an array");
    }
    Map<String, String> tools = new TreeMap<>();
    if (m.get("tools") instanceof Map<?, ?> t) {
      t.forEach((k, v) -> {
        if (!(v instanceof String s)) {
          throw ApiException.badRequest("tools." + k + ": expected a version string");
        }
        tools.put((String) k, s);
      });
    } else if (m.get("tools") != null) {
      throw ApiException.badRequest("tools: expected an object {name: version}");
    }
    if (m.get("sbom") != null && !(m.get("sbom") instanceof String)) {
      throw ApiException.badRequest("sbom: expected the CycloneDX JSON document as a string");
    }
    ArtifactService.Registered r = service.register(p.account(), new ArtifactService.Request(
        RequestBodies.string(m, "service"), RequestBodies.string(m, "digest"), RequestBodies.string(m, "filename"),
        source, Boolean.TRUE.equals(m.get("allowDirty")), commits, (String) m.get("sbom"), tools));
    Map<String, Object> out = summary(r.artifact());
    out.put("created", r.created());
    if (r.created()) {
      out.put("seq", r.seq());
    }
    return ResponseEntity.status(r.created() ? HttpStatus.CREATED : HttpStatus.OK).body(out);
  }

  @GetMapping("/artifacts")
  List<Map<String, Object>> list(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @RequestParam(required = false) String service) {
    Access.require(p, READERS);
    return queries.byService(service).stream().map(ArtifactController::summary).toList();
  }

  @GetMapping("/artifacts/{ref}")
  Map<String, Object> get(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String ref) {
    Access.require(p, READERS);
    return detail(find(ref));
  }

  @GetMapping("/services/{service}/artifacts/latest")
  Map<String, Object> latest(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String service) {
    Access.require(p, READERS);
    return summary(queries.latest(service).orElseThrow(() ->
        ApiException.notFound("service '" + service + "' has no artifacts yet")));
  }

  @GetMapping(path = "/artifacts/{ref}/provenance", produces = MediaType.APPLICATION_JSON_VALUE)
  String provenance(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String ref) {
    Access.require(p, READERS);
    return find(ref).provenance();
  }

  @GetMapping(path = "/provenance/key", produces = "application/x-pem-file")
  String provenanceKey(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    return provenanceKey.publicPem();
  }

  /** The stamped artifact (what deploys), or the bytes as built with {@code stamped=false}. */
  @GetMapping("/artifacts/{ref}/content")
  ResponseEntity<FileSystemResource> content(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @PathVariable String ref, @RequestParam(defaultValue = "true") boolean stamped) throws IOException {
    Access.require(p, READERS);
    ArtifactRecord a = find(ref);
    BlobStore.Blob b = blobs.get(stamped ? a.stampedDigest() : a.digest()).orElseThrow(() ->
        new ApiException(410, "content-gone", "the stored file of " + a.serial() + " is missing"));
    return ResponseEntity.ok()
        .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + a.filename() + "\"")
        .header("Digest", "sha-256=" + b.sha256())
        .contentType(MediaType.APPLICATION_OCTET_STREAM).body(new FileSystemResource(b.path()));
  }

  /** Adds a suite run: {"suite":"smoke|full","reports":[{"name":"TEST-x.xml","xml":"..."}]}. */
  @PostMapping(path = "/artifacts/{ref}/tests", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> tests(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @PathVariable String ref, @RequestBody String body) {
    Access.require(p, DEPLOYER);
    ArtifactRecord a = find(ref);
    Map<String, Object> m = RequestBodies.object(body, Set.of("suite", "reports"), Set.of("suite", "reports"));
    Map<String, byte[]> reports = new LinkedHashMap<>();
    if (!(m.get("reports") instanceof List<?> l)) {
      throw ApiException.badRequest("reports: expected an array of {name, xml}");
    }
    for (Object o : l) {
      if (!(o instanceof Map<?, ?> r) || !(r.get("name") instanceof String n) || !(r.get("xml") instanceof String x)) {
        throw ApiException.badRequest("reports: each entry needs a name and xml (strings)");
      }
      reports.put(n, x.getBytes(StandardCharsets.UTF_8));
    }
    List<LedgerEntry> e = service.recordTests(p.account(), a, RequestBodies.string(m, "suite"), reports);
    var ev = (dev.gantry.core.ledger.LedgerEvent.TestsRecorded) e.getLast().event();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("serial", a.serial());
    out.put("suite", ev.suite());
    out.put("run", ev.run());
    out.put("tests", ev.tests());
    out.put("failures", ev.failures());
    out.put("errors", ev.errors());
    out.put("skipped", ev.skipped());
    out.put("seq", e.getLast().seq());
    return ResponseEntity.status(HttpStatus.CREATED).body(out);
  }

  @GetMapping("/tests/history")
  List<Map<String, Object>> history(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @RequestParam String test) {
    Access.require(p, READERS);
    return queries.testHistory(test);
  }

  ArtifactRecord find(String ref) {
    return queries.find(ref).orElseThrow(() -> ApiException.notFound("no artifact with serial or digest '" + ref + "'"));
  }

  static Map<String, Object> summary(ArtifactRecord a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("serial", a.serial());
    m.put("service", a.service());
    m.put("filename", a.filename());
    m.put("format", a.format());
    m.put("size", a.size());
    m.put("digest", a.digest());
    m.put("stampedDigest", a.stampedDigest());
    Map<String, Object> src = new LinkedHashMap<>();
    src.put("repo", a.repo());
    src.put("commit", a.commit());
    src.put("branch", a.branch());
    src.put("dirty", a.dirty());
    m.put("source", src);
    m.put("registeredBy", a.registeredBy());
    m.put("registeredAt", a.registeredAt());
    return m;
  }

  Map<String, Object> detail(ArtifactRecord a) {
    Map<String, Object> m = summary(a);
    m.put("tools", Json.parse(a.tools()));
    m.put("sbomDigest", a.sbomDigest());
    List<Map<String, Object>> commits = queries.commits(a.serial());
    for (Map<String, Object> c : commits) {
      String reqs = (String) c.get("requirements");
      c.put("requirements", reqs == null || reqs.isEmpty() ? List.of() : Arrays.asList(reqs.split(",")));
    }
    m.put("commits", commits);
    m.put("unlinkedCommits", commits.stream().filter(c -> ((List<?>) c.get("requirements")).isEmpty())
        .map(c -> c.get("id")).toList());
    m.put("components", queries.components(a.serial()).size());
    m.put("tests", queries.testRuns(a.serial()));
    m.put("ledger", queries.ledgerEntries("artifact:" + a.serial()));
    return m;
  }
}
