package dev.gantry.core.artifact;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEvent.Component;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the parts of a CycloneDX JSON BOM that Gantry keeps: spec version, components (recursively),
 * and tools from the metadata. Schema validation is done by the server before this runs.
 */
public final class Sboms {
  public static final Set<String> SPEC_VERSIONS = Set.of("1.4", "1.5", "1.6");

  private Sboms() {}

  /** What an SBOM says. */
  public record Summary(String specVersion, List<Component> components, Map<String, String> tools) {}

  public static String specVersion(Map<String, Object> bom) {
    if (!"CycloneDX".equals(bom.get("bomFormat"))) {
      throw new IllegalArgumentException("SBOM: bomFormat is " + bom.get("bomFormat") + " (expected: CycloneDX)");
    }
    Object v = bom.get("specVersion");
    if (!(v instanceof String s) || !SPEC_VERSIONS.contains(s)) {
      throw new IllegalArgumentException("SBOM: specVersion " + v + " (expected one of 1.4, 1.5, 1.6)");
    }
    return s;
  }

  public static Summary read(Map<String, Object> bom) {
    String version = specVersion(bom);
    List<Component> all = new ArrayList<>();
    collect(bom.get("components"), all, 0);
    Map<String, Component> byRef = new java.util.LinkedHashMap<>(); // a bom-ref names one component
    for (Component c : all) {
      byRef.putIfAbsent(c.ref(), c);
    }
    List<Component> out = List.copyOf(byRef.values());
    Map<String, String> tools = new TreeMap<>();
    if (bom.get("metadata") instanceof Map<?, ?> md) {
      Object t = md.get("tools");
      // 1.4: tools is an array of {vendor,name,version}; 1.5+: {components:[...], services:[...]}.
      if (t instanceof Map<?, ?> tm) {
        t = tm.get("components");
      }
      if (t instanceof List<?> list) {
        for (Object o : list) {
          if (o instanceof Map<?, ?> m && m.get("name") instanceof String n) {
            tools.put(n, m.get("version") instanceof String v ? v : "");
          }
        }
      }
    }
    return new Summary(version, out, tools);
  }

  private static void collect(Object components, List<Component> out, int depth) {
    if (!(components instanceof List<?> list) || depth > 16) {
      return;
    }
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> raw)) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) raw;
      String name = m.get("name") instanceof String n ? n : "";
      String version = Json.optStringOrNull(m, "version");
      String purl = Json.optStringOrNull(m, "purl");
      String ref = m.get("bom-ref") instanceof String r ? r : (purl != null ? purl : name + "@" + version);
      List<String> hashes = new ArrayList<>();
      if (m.get("hashes") instanceof List<?> hl) {
        for (Object h : hl) {
          if (h instanceof Map<?, ?> hm && hm.get("alg") instanceof String alg && hm.get("content") instanceof String c) {
            hashes.add(alg + ":" + c);
          }
        }
      }
      out.add(new Component(ref, name, version, purl, hashes));
      collect(m.get("components"), out, depth + 1);
    }
  }
}
