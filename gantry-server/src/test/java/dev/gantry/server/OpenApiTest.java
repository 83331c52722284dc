package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.json.Json;
import dev.gantry.server.Endpoints.Endpoint;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/** The OpenAPI document describes exactly the endpoints the application registers. */
class OpenApiTest extends ApiTestSupport {

  @Autowired
  ApplicationContext context;

  Map<String, Object> document() {
    Map<String, Object> doc = Json.parseObject(admin().send("GET", "/api/v1/openapi.json", null, "application/json"));
    assertThat((String) doc.get("openapi")).startsWith("3.");
    return doc;
  }

  Map<String, Object> paths() {
    return asMap(document().get("paths"));
  }

  @Test
  void openApiDocumentIsStrictJsonForAnyAuthenticatedCaller() {
    String viewer = account(unique("reader"), "human", "viewer");
    RawHttp.Response r = raw().send("GET", "/api/v1/openapi.json", "Bearer " + viewer, null, (String) null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/json");
    assertThat(Json.parseObject(r.body())).containsKeys("openapi", "info", "paths");
  }

  @Test
  void everyRegisteredApiEndpointIsDocumented() {
    Map<String, Object> paths = paths();
    List<Endpoint> endpoints = Endpoints.api(context);
    assertThat(endpoints).isNotEmpty();
    for (Endpoint e : endpoints) {
      assertThat(paths).as("paths of openapi.json").containsKey(e.pattern());
      assertThat(asMap(paths.get(e.pattern()))).as("operations of %s", e.pattern())
          .containsKey(e.method().toLowerCase(Locale.ROOT));
    }
  }

  @Test
  void everyDocumentedOperationIsRegistered() {
    List<String> registered = Endpoints.api(context).stream().map(Endpoint::toString).toList();
    paths().forEach((path, item) -> asMap(item).keySet().stream()
        .filter(k -> List.of("get", "put", "post", "delete", "patch").contains(k))
        .forEach(method -> assertThat(registered).as("registered endpoints")
            .contains(method.toUpperCase(Locale.ROOT) + " " + path)));
  }

  @Test
  void everyOperationButHealthRequiresAToken() {
    Map<String, Object> doc = document();
    assertThat(doc.get("security")).isEqualTo(List.of(Map.of("bearer", List.of())));
    assertThat(asMap(asMap(doc.get("components")).get("securitySchemes"))).containsKey("bearer");
    asMap(doc.get("paths")).forEach((path, item) -> asMap(item).forEach((method, op) -> {
      Object security = asMap(op).get("security");
      if (path.equals("/api/v1/health")) {
        assertThat(security).as("security of health").isEqualTo(List.of());
      } else {
        assertThat(security).as("security of %s %s (null: the document's default)", method, path).isNull();
      }
    }));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o) {
    return (Map<String, Object>) o;
  }
}
