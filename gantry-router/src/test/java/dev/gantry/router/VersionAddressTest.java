package dev.gantry.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.deploy.TrafficRouter.Deprecation;
import dev.gantry.core.deploy.TrafficRouter.RouteTable;
import dev.gantry.core.deploy.TrafficRouter.Versions;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Side-by-side versions: each at its own address, retired ones gone, retiring ones deprecated. */
class VersionAddressTest {
  final RouteRegistry registry = new RouteRegistry(100);

  VersionAddressTest() {
    registry.apply(new RouteTable("pricing", "pricing.example", "pricing", "A-3", null,
        Map.of("A-2", List.of("127.0.0.1:2"), "A-3", List.of("127.0.0.1:3")), Map.of("A-2", "A-2", "A-3", "A-3"), null,
        new Versions(Map.of("v2", "A-2", "v3", "A-3"), Map.of("v1", "v3"),
            Map.of("A-2", new Deprecation(1_764_547_200L, 1_765_756_800L, "v3")))));
  }

  static HttpHeaders headers(String... kv) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < kv.length; i += 2) {
      h.add(kv[i], kv[i + 1]);
    }
    return h;
  }

  RouteSelection select(String host, String uri, HttpHeaders h) {
    return registry.current().select(host, uri, false, h);
  }

  static String version(RouteSelection s) {
    assertThat(s).isInstanceOf(RouteSelection.Routed.class);
    return ((RouteSelection.Routed) s).version().version();
  }

  @Test
  void eachVersionHasItsOwnAddressAndTheDefaultFollowsStable() {
    assertThat(version(select(null, "/pricing/price", headers()))).isEqualTo("A-3");
    assertThat(version(select(null, "/pricing/v2/price?x=1", headers()))).isEqualTo("A-2");
    assertThat(((RouteSelection.Routed) select(null, "/pricing/v2/price?x=1", headers())).uri()).isEqualTo("/price?x=1");
    assertThat(version(select(null, "/pricing/price", headers("Gantry-Version", "v2")))).isEqualTo("A-2");
    assertThat(version(select("v2.pricing.example", "/price", headers()))).isEqualTo("A-2");
    assertThat(version(select("v2.pricing:8681", "/price", headers()))).isEqualTo("A-2");
  }

  @Test
  void theServicesOwnVersionedPathsPassThrough() {
    RouteSelection.Routed r = (RouteSelection.Routed) select(null, "/pricing/v9/price", headers());
    assertThat(r.version().version()).isEqualTo("A-3");
    assertThat(r.uri()).isEqualTo("/v9/price");
  }

  @Test
  void retiredVersionsAreGoneNamingTheSuccessorAndUnknownOnesAreNotFound() {
    assertThat(select(null, "/pricing/v1/price", headers())).isEqualTo(new RouteSelection.Gone("pricing", "v1", "v3"));
    assertThat(select(null, "/pricing/price", headers("Gantry-Version", "v1"))).isInstanceOf(RouteSelection.Gone.class);
    assertThat(select(null, "/pricing/price", headers("Gantry-Version", "v7")))
        .isInstanceOf(RouteSelection.NoSuchVersion.class);
  }

  @Test
  void aRetiringVersionsResponsesCarryDeprecationSunsetAndTheSuccessor() {
    VersionRoute v2 = ((RouteSelection.Routed) select(null, "/pricing/v2/price", headers())).version();
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    ForwardingHeaders.prepareResponse(response, v2, "req-1");
    assertThat(response.headers().get("Deprecation")).isEqualTo("@1764547200");
    assertThat(response.headers().get("Sunset")).isEqualTo("Mon, 15 Dec 2025 00:00:00 GMT");
    assertThat(response.headers().get("Link")).isEqualTo("</pricing/v3/>; rel=\"successor-version\"");
    VersionRoute v3 = ((RouteSelection.Routed) select(null, "/pricing/price", headers())).version();
    HttpResponse current = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    ForwardingHeaders.prepareResponse(current, v3, "req-2");
    assertThat(current.headers().contains("Deprecation")).isFalse();
  }

  @Test
  void sunsetIsAnImfFixdateWithATwoDigitDayOnDaysOneToNine() {
    VersionRoute v = new VersionRoute("pricing", "A-2", "A-2", List.of(), new VersionMetrics(1));
    v.deprecate(1_764_547_200L, 1_764_892_800L, null); // 2025-12-05T00:00:00Z
    assertThat(v.sunsetHeader().toString()).isEqualTo("Fri, 05 Dec 2025 00:00:00 GMT");
    v.deprecate(1_764_547_200L, 1_767_225_599L, null); // the last second of 2025
    assertThat(v.sunsetHeader().toString()).isEqualTo("Wed, 31 Dec 2025 23:59:59 GMT");
  }

  static boolean explicit(RouteSelection s) {
    assertThat(s).isInstanceOf(RouteSelection.Routed.class);
    return ((RouteSelection.Routed) s).explicit();
  }

  @Test
  void addressingAVersionByVersionIsFlaggedAndTheDefaultAddressIsNot() {
    assertThat(explicit(select(null, "/pricing/v2/price", headers()))).as("path").isTrue();
    assertThat(explicit(select(null, "/pricing/price", headers("Gantry-Version", "v2")))).as("header").isTrue();
    assertThat(explicit(select("v2.pricing.example", "/price", headers()))).as("routed host").isTrue();
    assertThat(explicit(select("v2.pricing", "/price", headers()))).as("service host").isTrue();
    // Naming the default version by version is explicit too: that client needs v3, not whatever the default is.
    assertThat(explicit(select(null, "/pricing/v3/price", headers()))).as("the default, by version").isTrue();

    assertThat(explicit(select(null, "/pricing/price", headers()))).as("default address by path").isFalse();
    assertThat(explicit(select("pricing.example", "/price", headers()))).as("default address by host").isFalse();
    assertThat(explicit(select(null, "/pricing/v9/price", headers()))).as("the service's own /v9 path").isFalse();
  }

  @Test
  void theCanarySplitIsNotExplicit() {
    registry.apply(new RouteTable("pricing", "pricing.example", "pricing", "A-2", null,
        Map.of("A-2", List.of("127.0.0.1:2"), "A-3", List.of("127.0.0.1:3")), Map.of("A-2", "A-2", "A-3", "A-3"),
        new dev.gantry.core.deploy.TrafficRouter.Canary("A-3", 0, "D-1", null, null, List.of(), "X-Canary", "1", null,
            null), new Versions(Map.of("v2", "A-2"), Map.of(), Map.of())));
    RouteSelection canary = select(null, "/pricing/price", headers("X-Canary", "1"));
    assertThat(version(canary)).isEqualTo("A-3");
    assertThat(explicit(canary)).isFalse();
    assertThat(explicit(select(null, "/pricing/price", headers()))).isFalse();
  }
}
