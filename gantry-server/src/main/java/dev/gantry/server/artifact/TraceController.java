package dev.gantry.server.artifact;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.provenance.Dsse;
import dev.gantry.core.provenance.EcKey;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.store.ArtifactQueries;
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
  private final EcKey provenanceKey;

  TraceController(ArtifactController artifacts, ArtifactQueries queries, EcKey provenanceKey) {
    this.artifacts = artifacts;
    this.queries = queries;
    this.provenanceKey = provenanceKey;
  }

  @GetMapping("/trace/{ref}")
  Map<String, Object> trace(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @PathVariable String ref) {
    Access.require(p, ArtifactController.READERS);
    ArtifactRecord a = artifacts.find(ref);
    Map<String, Object> out = new LinkedHashMap<>();
    // Where it runs comes with the deploy feature; until then nothing is deployed by Gantry.
    out.put("running", List.of());
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
    out.put("deployments", List.of());
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
    out.put("artifacts", links.stream().map(l -> l.get("serial")).distinct().toList());
    out.put("running", List.of());
    return out;
  }
}
