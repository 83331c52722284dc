package dev.gantry.server.system;

import dev.gantry.core.json.Json;
import dev.gantry.core.json.JsonException;
import dev.gantry.server.auth.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Request bodies are parsed with Gantry's strict JSON reader (no duplicate members, bounded depth) and
 * checked for unknown members, so a typo such as {@code "role"} for {@code "roles"} is an error, not a
 * silently ignored field.
 */
public final class RequestBodies {
  private RequestBodies() {}

  public static Map<String, Object> object(String body, Set<String> allowed, Set<String> required) {
    if (body == null || body.isBlank()) {
      throw ApiException.badRequest("a JSON object body is required");
    }
    Map<String, Object> m;
    try {
      m = Json.parseObject(body);
    } catch (JsonException e) {
      throw new ApiException(400, "malformed-json", "malformed JSON: " + e.getMessage());
    }
    List<String> unknown = new ArrayList<>();
    for (String k : m.keySet()) {
      if (!allowed.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ApiException(400, "unknown-member", "unknown member(s) " + unknown + " (expected: "
          + new TreeSet<>(allowed) + ")");
    }
    for (String r : required) {
      if (m.get(r) == null) {
        throw new ApiException(400, "missing-member", "member \"" + r + "\" is required");
      }
    }
    return m;
  }

  public static String string(Map<String, Object> m, String name) {
    try {
      return Json.optString(m, name);
    } catch (JsonException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  public static List<String> strings(Map<String, Object> m, String name) {
    try {
      return Json.strings(m, name);
    } catch (JsonException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }
}
