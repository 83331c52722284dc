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

  static final String CANARY = """
      {"name":"pricing","command":["{java}","-jar","{artifact}"],"strategy":"canary",
       "canary":{"steps":[{"setWeight":5},{"pause":"1m"},{"analysis":{}},{"setWeight":25},{"pause":"untilPromoted"}],
                 "cohort":{"userHeader":"X-Trader","users":["bob","alice"],"header":{"name":"X-Beta","value":"1"},
                           "cookie":{"name":"beta","value":"yes"}},
                 "analysis":{"interval":"1s","significance":0.01,"minRequests":100,"maxErrorRateIncrease":0.001,
                             "maxLatencyRatio":1.5,"inconclusiveTimeout":"10m"}}}
      """;

  @Test
  void canarySpecParsesAndRoundTrips() {
    ServiceSpec s = ServiceSpec.parse(Json.parseObject(CANARY));
    assertThat(s.isCanary()).isTrue();
    assertThat(s.canary().steps()).containsExactly(new ServiceSpec.SetWeight(5), new ServiceSpec.Pause(Duration.ofMinutes(1)),
        new ServiceSpec.AnalysisStep(), new ServiceSpec.SetWeight(25), new ServiceSpec.Pause(null));
    assertThat(s.canary().cohort().users()).containsExactly("alice", "bob");
    assertThat(s.canary().cohort().headerValue()).isEqualTo("1");
    assertThat(s.canary().analysis().significance()).isEqualTo(0.01);
    assertThat(s.canary().analysis().latencyShiftBuckets()).isEqualTo(2);
    assertThat(ServiceSpec.parse(Json.parseObject(Json.write(s.toJson())))).isEqualTo(s);
  }

  @Test
  void badCanarySpecsNameEachProblem() {
    String bad = """
        {"name":"pricing","command":["{java}","-jar","{artifact}"],"strategy":"canary",
         "canary":{"steps":[{"setWeight":50},{"setWeight":10},{"setWeight":101},{"pause":"soon"},{"jump":1},{}],
                   "cohort":{"userHeader":"X User","header":{"name":"X-Beta"}},
                   "analysis":{"significance":0.9,"minRequests":1,"interval":"50ms","colour":1}}}
        """;
    SpecException e = catchThrowableOfType(SpecException.class, () -> ServiceSpec.parse(Json.parseObject(bad)));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("canary.steps[1].setWeight: 10 after 50"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.steps[2].setWeight: '101'"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.steps[3].pause: 'soon'"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.steps[4]: unknown step 'jump'"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.steps[5]: expected one of"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.cohort.userHeader: 'X User'"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.cohort.header.value: required"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.analysis.significance: 0.9"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.analysis.minRequests: 1"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.analysis.interval: 50ms"))
        .anySatisfy(p -> assertThat(p).startsWith("canary.analysis.colour: unknown key"));
    assertThat(catchThrowableOfType(SpecException.class, () -> ServiceSpec.parse(Json.parseObject(
        "{\"name\":\"x\",\"command\":[\"{artifact}\"],\"strategy\":\"canary\"}"))).problems())
        .anySatisfy(p -> assertThat(p).startsWith("canary: required when strategy is canary"));
    assertThat(catchThrowableOfType(SpecException.class, () -> ServiceSpec.parse(Json.parseObject(
        "{\"name\":\"x\",\"command\":[\"{artifact}\"],\"strategy\":\"linear\"}"))).problems())
        .anySatisfy(p -> assertThat(p).startsWith("strategy: 'linear'"));
  }

  @Test
  void retireAfterAndDrainTimeoutOfZeroAreRefusedNamingTheFloor() {
    Map<String, Object> m = new java.util.HashMap<>(Json.parseObject(PRICING));
    m.put("versions", Map.of("retireAfter", "0s", "drainTimeout", "0s"));
    SpecException e = catchThrowableOfType(SpecException.class, () -> ServiceSpec.parse(m));
    assertThat(e.getMessage()).contains("versions.retireAfter: 0s (expected: at least 1s")
        .contains("versions.drainTimeout: 0s (expected: at least 1s");
    m.put("versions", Map.of("retireAfter", "14d", "drainTimeout", "1s"));
    assertThat(ServiceSpec.parse(m).versions().drainTimeout()).isEqualTo(Duration.ofSeconds(1));
  }

  static String canaryWith(String analysis) {
    return "{\"name\":\"pricing\",\"command\":[\"{java}\",\"-jar\",\"{artifact}\"],\"strategy\":\"canary\","
        + "\"canary\":{\"steps\":[{\"setWeight\":10}],\"analysis\":" + analysis + "}}";
  }

  /**
   * Latency is not tested before latencyWarmup, and its first test comes up to two intervals after it: a timeout
   * no longer than that pauses every canary, healthy or not, for a human, so such a spec is refused.
   */
  @Test
  void anInconclusiveTimeoutThatEndsBeforeLatencyCanBeTestedIsRefused() {
    for (String bad : new String[] {
        "{\"latencyWarmup\":\"30s\",\"inconclusiveTimeout\":\"20s\"}", // shorter than the warm-up
        "{\"latencyWarmup\":\"30s\",\"inconclusiveTimeout\":\"30s\"}", // equal
        "{\"interval\":\"2s\",\"latencyWarmup\":\"30s\",\"inconclusiveTimeout\":\"34s\"}", // = warm-up + 2 intervals
        "{\"latencyWarmup\":\"10m\"}"}) { // the default timeout (5m) is shorter than this warm-up
      SpecException e = catchThrowableOfType(SpecException.class, () -> ServiceSpec.parse(Json.parseObject(canaryWith(bad))));
      assertThat(e).as(bad).isNotNull();
      assertThat(e.problems()).as(bad).singleElement().satisfies(p -> assertThat(p)
          .startsWith("canary.analysis.inconclusiveTimeout: ").contains("expected: more than latencyWarmup + 2 × interval")
          .contains("pauses even a healthy canary"));
    }
    assertThat(catchThrowableOfType(SpecException.class, () -> ServiceSpec.parse(Json.parseObject(
        canaryWith("{\"interval\":\"2s\",\"latencyWarmup\":\"30s\",\"inconclusiveTimeout\":\"20s\"}")))).problems())
        .singleElement().asString().isEqualTo("canary.analysis.inconclusiveTimeout: 20s (expected: more than latencyWarmup"
            + " + 2 × interval = 30s + 2 × 2s = 34s; latency is not tested before the warm-up ends, so a shorter"
            + " timeout pauses even a healthy canary for a human)");
    ServiceSpec ok = ServiceSpec.parse(Json.parseObject(canaryWith(
        "{\"interval\":\"2s\",\"latencyWarmup\":\"30s\",\"inconclusiveTimeout\":\"35s\"}")));
    assertThat(ok.canary().analysis().inconclusiveTimeout()).isEqualTo(Duration.ofSeconds(35));
    assertThat(ServiceSpec.parse(Json.parseObject(canaryWith("{}"))).canary().analysis())
        .as("the defaults (5m > 30s + 2 × 2s) pass").isNotNull();
    // A spec applied before the rule is still carried out (or rolled back) by the loop.
    assertThat(ServiceSpec.parseStored(Json.parseObject(canaryWith("{\"latencyWarmup\":\"30s\",\"inconclusiveTimeout\":\"20s\"}")))
        .canary().analysis().inconclusiveTimeout()).isEqualTo(Duration.ofSeconds(20));
  }
}
