package dev.gantry.server.artifact;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.provenance.Dsse;
import dev.gantry.core.provenance.EcKey;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.store.ArtifactQueries;
import dev.gantry.store.DeployQueries;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * "What is this, exactly?": from a serial or digest to the artifact, its verified provenance, commits,
 * requirements, test evidence and the ledger entries behind them; and from a requirement back to the
 * commits and artifacts that serve it.
 */
@RestController
@RequestMapping("/api/v1")
class TraceController {
  private final ArtifactController artifacts;
  private final ArtifactQueries queries;
  private final DeployQueries deployments;
  private final EcKey provenanceKey;

  private final dev.gantry.store.PolicyQueries policies;

  TraceController(ArtifactController artifacts, ArtifactQueries queries, DeployQueries deployments,
      EcKey provenanceKey, dev.gantry.store.PolicyQueries policies) {
    this.policies = policies;
    this.artifacts = artifacts;
    this.queries = queries;
    this.deployments = deployments;
    this.provenanceKey = provenanceKey;
  }

  /** A serial, a digest, or an instance address (host:port or :port) of a running instance. */
  private ArtifactRecord resolve(String ref) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:[0-9.]+|localhost)?:([0-9]{1,5})").matcher(ref);
    if (m.matches()) {
      var inst = deployments.instanceAtPort(Integer.parseInt(m.group(1))).orElseThrow(() ->
          ApiException.notFound("no running instance at " + ref));
      return artifacts.find(inst.serial());
    }
    return artifacts.find(ref);
  }

  private List<Map<String, Object>> running(String serial) {
    return deployments.instancesOf(serial).stream().map(i -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("service", i.service());
      m.put("instance", i.id());
      m.put("address", "127.0.0.1:" + i.port());
      m.put("pid", i.pid());
      return m;
    }).toList();
  }

  @GetMapping("/trace/{ref}")
  Map<String, Object> trace(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String ref) {
    Access.require(p, ArtifactController.READERS);
    ArtifactRecord a = resolve(ref);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("running", running(a.serial()));
    out.put("artifact", artifacts.detail(a));
    Map<String, Object> prov = new LinkedHashMap<>();
    try {
      Dsse.Opened o = Dsse.verify(a.provenance(), provenanceKey);
      Map<String, Object> st = Json.parseObject(new String(o.payload(), StandardCharsets.UTF_8));
      prov.put("verified", true);
      prov.put("predicateType", st.get("predicateType"));
      Map<?, ?> pred = (Map<?, ?>) st.get("predicate");
      Map<?, ?> bd = (Map<?, ?>) pred.get("buildDefinition");
      Map<?, ?> rd = (Map<?, ?>) pred.get("runDetails");
      prov.put("builder", ((Map<?, ?>) rd.get("builder")).get("id"));
      prov.put("builderDependencies", ((Map<?, ?>) rd.get("builder")).get("builderDependencies"));
      List<?> deps = (List<?>) bd.get("resolvedDependencies");
      prov.put("source", deps.stream().filter(d -> ((Map<?, ?>) d).containsKey("annotations")
          || String.valueOf(((Map<?, ?>) d).get("uri")).startsWith("git+")).findFirst().orElse(null));
      prov.put("libraries", deps.size());
    } catch (RuntimeException e) {
      prov.put("verified", false);
      prov.put("problem", e.getMessage());
    }
    out.put("provenance", prov);
    Set<String> reqs = new LinkedHashSet<>();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> commits = (List<Map<String, Object>>) ((Map<String, Object>) out.get("artifact")).get("commits");
    for (Map<String, Object> c : commits) {
      for (Object r : (List<?>) c.get("requirements")) {
        reqs.add((String) r);
      }
    }
    out.put("requirements", List.copyOf(reqs));
    out.put("deployments", deployments.deploymentsOf(a.serial()).stream().map(d -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", d.id());
      m.put("kind", d.kind());
      m.put("environment", d.environment());
      m.put("breakGlass", d.breakGlass());
      m.put("from", d.fromSerial());
      m.put("phase", d.phase());
      m.put("reason", d.reason());
      m.put("startedBy", d.startedBy());
      m.put("startedAt", d.startedAt());
      m.put("seq", d.seq());
      return m;
    }).toList());
    out.put("approvals", policies.approvals(a.serial()).stream().map(r -> Map.of("environment", r.environment(),
        "decision", r.decision(), "account", r.account(), "at", r.decidedAt(), "comment", r.comment())).toList());
    return out;
  }

  @GetMapping("/requirements/{id}")
  Map<String, Object> requirement(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String id) {
    Access.require(p, ArtifactController.READERS);
    List<Map<String, Object>> links = queries.requirement(id);
    if (links.isEmpty()) {
      throw ApiException.notFound("no commit names requirement '" + id + "'");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("requirement", id);
    out.put("commits", links.stream().map(l -> Map.of("commit", l.get("commit"), "author", l.get("author"),
        "message", l.get("message"), "serial", l.get("serial"))).toList());
    List<Object> serials = links.stream().map(l -> l.get("serial")).distinct().toList();
    out.put("artifacts", serials);
    out.put("running", serials.stream().flatMap(s -> running((String) s).stream()).toList());
    return out;
  }
}
