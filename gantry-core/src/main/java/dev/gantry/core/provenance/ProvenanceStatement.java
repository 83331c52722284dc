package dev.gantry.core.provenance;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEvent.Component;
import dev.gantry.core.ledger.LedgerEvent.Source;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The in-toto Statement v1 Gantry signs for each artifact, with a SLSA Provenance v1 predicate:
 * subject = the stamped artifact (what deploys); resolvedDependencies = the source commit and the
 * SBOM's libraries; builder dependencies = the build tools; the serial is the invocation id.
 */
public final class ProvenanceStatement {
  public static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
  public static final String SLSA_PROVENANCE = "https://slsa.dev/provenance/v1";
  public static final String BUILD_TYPE = "https://gantry.dev/build/register/v1";

  private ProvenanceStatement() {}

  /** The statement's canonical JSON bytes (what the envelope carries). */
  public static byte[] build(String serial, String service, String filename, String stampedDigest, String digest,
      Source source, List<Component> components, Map<String, String> tools, String builderId, String registeredAt) {
    Map<String, Object> subject = new LinkedHashMap<>();
    subject.put("name", filename);
    subject.put("digest", Map.of("sha256", stampedDigest));

    List<Object> resolved = new ArrayList<>();
    if (source != null && source.commit() != null) {
      Map<String, Object> src = new LinkedHashMap<>();
      src.put("uri", source.repo() == null ? "git+unknown" : "git+" + source.repo());
      src.put("digest", Map.of("gitCommit", source.commit()));
      if (source.branch() != null) {
        src.put("annotations", Map.of("branch", source.branch(), "dirty", source.dirty()));
      }
      resolved.add(src);
    }
    for (Component c : components) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("name", c.name());
      if (c.purl() != null) {
        d.put("uri", c.purl());
      }
      Map<String, Object> digests = new LinkedHashMap<>();
      for (String h : c.hashes()) {
        int i = h.indexOf(':');
        digests.put(h.substring(0, i).toLowerCase().replace("-", ""), h.substring(i + 1));
      }
      if (!digests.isEmpty()) {
        d.put("digest", digests);
      }
      resolved.add(d);
    }
    List<Object> builderDeps = new ArrayList<>();
    tools.forEach((name, version) -> builderDeps.add(Map.of("name", name, "annotations", Map.of("version", version))));

    Map<String, Object> buildDefinition = new LinkedHashMap<>();
    buildDefinition.put("buildType", BUILD_TYPE);
    buildDefinition.put("externalParameters", Map.of("service", service, "artifact", filename));
    buildDefinition.put("internalParameters", Map.of("serial", serial, "digestAsBuilt", digest));
    buildDefinition.put("resolvedDependencies", resolved);

    Map<String, Object> builder = new LinkedHashMap<>();
    builder.put("id", builderId);
    builder.put("builderDependencies", builderDeps);

    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("invocationId", serial);
    metadata.put("finishedOn", registeredAt);

    Map<String, Object> predicate = new LinkedHashMap<>();
    predicate.put("buildDefinition", buildDefinition);
    predicate.put("runDetails", Map.of("builder", builder, "metadata", metadata));

    Map<String, Object> statement = new LinkedHashMap<>();
    statement.put("_type", STATEMENT_TYPE);
    statement.put("subject", List.of(subject));
    statement.put("predicateType", SLSA_PROVENANCE);
    statement.put("predicate", predicate);
    return Json.canonical(statement).getBytes(StandardCharsets.UTF_8);
  }

  /** The sha256 digest of the statement's (first) subject. */
  public static String subjectDigest(byte[] statement) {
    Map<String, Object> s = Json.parseObject(new String(statement, StandardCharsets.UTF_8));
    if (!STATEMENT_TYPE.equals(s.get("_type")) || !SLSA_PROVENANCE.equals(s.get("predicateType"))) {
      throw new IllegalArgumentException("provenance: not an in-toto v1 statement with a SLSA v1 predicate");
    }
    Object subjects = s.get("subject");
    if (!(subjects instanceof List<?> l) || l.isEmpty() || !(l.getFirst() instanceof Map<?, ?> first)
        || !(first.get("digest") instanceof Map<?, ?> d) || !(d.get("sha256") instanceof String sha)) {
      throw new IllegalArgumentException("provenance: statement has no sha256 subject");
    }
    return sha;
  }
}
