package dev.gantry.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gantry.core.json.Json;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceSpecTest {
  static final String PRICING = """
      {"name":"pricing","command":["{java}","-jar","{artifact}"],"instances":2,
       "route":{"pathPrefix":"pricing"},
       "readiness":{"path":"/health","interval":"500ms","timeout":"250ms","failureThreshold":3},
       "smoke":[{"method":"GET","path":"/price?symbol=EURUSD","expectStatus":200,"expectBodyContains":"mid"}],
       "verification":{"window":"20s","maxErrorRate":0.02,"maxP99Ratio":3,"minRequests":50},
       "scaleDownDelay":"5m"}
      """;

  @Test
  void fullSpecParsesAndRoundTrips() {
    ServiceSpec s = ServiceSpec.parse(Json.parseObject(PRICING));
    assertThat(s.instances()).isEqualTo(2);
    assertThat(s.readiness().interval()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.verification().maxErrorRate()).isEqualByComparingTo("0.02");
    assertThat(s.smoke()).singleElement().satisfies(c -> assertThat(c.expectBodyContains()).isEqualTo("mid"));
    assertThat(ServiceSpec.parse(Json.parseObject(Json.write(s.toJson())))).isEqualTo(s);
  }

  @Test
  void everyProblemIsReportedAtOnceNamingItsField() {
    String bad = """
        {"name":"Pricing!","command":["java","-jar"],"portArg":"--port","instances":0,"colour":"blue",
         "readiness":{"path":"health","interval":"fast","timeout":"2s","thresh":1},
         "smoke":[{"method":"PATCH","path":"/x"}],
         "verification":{"maxErrorRate":2},"env":{"PORT":"1"},"scaleDownDelay":"5 minutes"}
        """;
    SpecException e = catchThrowableOfType(SpecException.class, () -> ServiceSpec.parse(Json.parseObject(bad)));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("name: 'Pricing!'"))
        .anySatisfy(p -> assertThat(p).contains("command: no {artifact}"))
        .anySatisfy(p -> assertThat(p).contains("portArg: '--port' has no {port}"))
        .anySatisfy(p -> assertThat(p).contains("instances: 0 (expected: 1..64)"))
        .anySatisfy(p -> assertThat(p).startsWith("colour: unknown key"))
        .anySatisfy(p -> assertThat(p).startsWith("readiness.thresh: unknown key"))
        .anySatisfy(p -> assertThat(p).startsWith("readiness.path: 'health'"))
        .anySatisfy(p -> assertThat(p).startsWith("readiness.interval: 'fast'"))
        .anySatisfy(p -> assertThat(p).startsWith("smoke[0].method: 'PATCH'"))
        .anySatisfy(p -> assertThat(p).startsWith("verification.maxErrorRate: 2"))
        .anySatisfy(p -> assertThat(p).startsWith("env.PORT"))
        .anySatisfy(p -> assertThat(p).startsWith("scaleDownDelay: '5 minutes'"));
  }

  @Test
  void minimalSpecGetsDefaults() {
    ServiceSpec s = ServiceSpec.parse(Map.of("name", "fx", "command", java.util.List.of("{java}", "-jar", "{artifact}")));
    assertThat(s.route().pathPrefix()).isEqualTo("fx");
    assertThat(s.instances()).isEqualTo(1);
    assertThat(s.readiness().path()).isEqualTo("/health");
    assertThatThrownBy(() -> ServiceSpec.parseDuration("1.5s")).hasMessageContaining("expected a number");
  }
}
