package dev.gantry.server.system;

import dev.gantry.store.JdbcLedgerStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Health (open to all) and the OpenAPI document. */
@RestController
class HealthController {
  private final JdbcLedgerStore store;
  private final dev.gantry.core.deploy.TrafficRouter router;

  HealthController(JdbcLedgerStore store, dev.gantry.core.deploy.TrafficRouter router) {
    this.store = store;
    this.router = router;
  }

  @GetMapping("/api/v1/health")
  Map<String, Object> health() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", "UP");
    m.put("ledgerSize", store.head().size());
    m.put("origin", store.key().name());
    m.put("router", router.address());
    return m;
  }

  @GetMapping(path = "/api/v1/openapi.json", produces = MediaType.APPLICATION_JSON_VALUE)
  String openapi() throws java.io.IOException {
    return new ClassPathResource("openapi.json").getContentAsString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
