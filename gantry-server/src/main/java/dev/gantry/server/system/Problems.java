package dev.gantry.server.system;

import dev.gantry.core.json.Json;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/** RFC 9457 problem details: {@code type} names the problem, {@code code} is its stable short form. */
public final class Problems {
  public static final String TYPE_BASE = "https://gantry.dev/problems/";

  private Problems() {}

  public static ProblemDetail of(int status, String code, String detail, String instance) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(status), detail);
    p.setType(URI.create(TYPE_BASE + code));
    p.setTitle(title(status));
    if (instance != null) {
      p.setInstance(URI.create(instance.replace(" ", "%20")));
    }
    p.setProperty("code", code);
    return p;
  }

  /** Writes a problem outside Spring MVC (from a filter). */
  public static void write(HttpServletResponse res, int status, String code, String detail, String instance)
      throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", TYPE_BASE + code);
    m.put("title", title(status));
    m.put("status", status);
    m.put("detail", detail);
    m.put("instance", instance);
    m.put("code", code);
    res.setStatus(status);
    res.setContentType("application/problem+json");
    res.getOutputStream().write(Json.write(m).getBytes(StandardCharsets.UTF_8));
  }

  private static String title(int status) {
    HttpStatus s = HttpStatus.resolve(status);
    return s == null ? "Error" : s.getReasonPhrase();
  }
}
