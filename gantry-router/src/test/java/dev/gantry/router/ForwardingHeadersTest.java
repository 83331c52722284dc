package dev.gantry.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ForwardingHeadersTest {

  @Test
  void hopByHopHeadersAndTheOnesConnectionNamesAreRemoved() {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a");
    req.headers()
        .add("Connection", "keep-alive, X-Hop")
        .add("Connection", "x-other")
        .add("X-Hop", "1")
        .add("X-Other", "2")
        .add("Keep-Alive", "timeout=5")
        .add("Proxy-Authorization", "Basic x")
        .add("Proxy-Connection", "keep-alive")
        .add("TE", "trailers")
        .add("Trailer", "X-Checksum")
        .add("Upgrade", "h2c")
        .add("Accept", "application/json");

    ForwardingHeaders.stripHopByHop(req.headers());

    assertThat(names(req.headers())).containsExactly("accept");
  }

  @Test
  void keepAliveFollowsTheConnectionTokensAndTheVersion() {
    HttpResponse close = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    close.headers().add("Connection", "Keep-Alive, CLOSE");
    HttpResponse old = new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK);
    HttpResponse oldKept = new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK);
    oldKept.headers().add("Connection", "keep-alive");
    HttpResponse plain = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);

    for (HttpResponse r : List.of(close, old, oldKept, plain)) {
      boolean netty = io.netty.handler.codec.http.HttpUtil.isKeepAlive(r);
      assertThat(ForwardingHeaders.keepAlive(r.protocolVersion(), ForwardingHeaders.stripHopByHop(r.headers())))
          .as("%s", r).isEqualTo(netty);
    }
  }

  @Test
  void connectionCannotStripFramingOrHost() {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/a");
    req.headers()
        .add("Connection", "Content-Length, transfer-encoding, host")
        .add("Content-Length", "3")
        .add("Host", "a.example");

    ForwardingHeaders.stripHopByHop(req.headers());

    assertThat(names(req.headers())).containsExactlyInAnyOrder("content-length", "host");
  }

  @Test
  void requestGetsForwardingHeadersAndGoesOutAsHttp11() {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/pricing/quote");
    req.headers()
        .add("Host", "api.example:8080")
        .add("X-Forwarded-For", "10.0.0.1")
        .add("X-Forwarded-Host", "forged.example")
        .add("X-Forwarded-Proto", "https");

    ForwardingHeaders.prepareRequest(req, "/quote", "api.example:8080", "192.0.2.7", "rid-1", false);

    assertThat(req.uri()).isEqualTo("/quote");
    assertThat(req.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    HttpHeaders h = req.headers();
    assertThat(h.get("X-Forwarded-For")).isEqualTo("10.0.0.1, 192.0.2.7");
    assertThat(h.get("X-Forwarded-Host")).isEqualTo("api.example:8080");
    assertThat(h.get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(h.get("X-Request-Id")).isEqualTo("rid-1");
    assertThat(h.get(HttpHeaderNames.HOST)).as("the backend sees the client's host").isEqualTo("api.example:8080");
  }

  @Test
  void repeatedForwardedForHeadersAreJoinedAndAnIncomingRequestIdIsKept() {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a");
    req.headers()
        .add("X-Forwarded-For", "10.0.0.1")
        .add("x-forwarded-for", "10.0.0.2")
        .add("X-Request-Id", "incoming");

    ForwardingHeaders.prepareRequest(req, "/a", null, "192.0.2.7", "incoming", true);

    assertThat(req.headers().getAll("X-Forwarded-For")).containsExactly("10.0.0.1, 10.0.0.2, 192.0.2.7");
    assertThat(req.headers().getAll("X-Request-Id")).containsExactly("incoming");
    assertThat(req.headers().contains("X-Forwarded-Host")).isFalse();
  }

  @Test
  void forwardedHeadersNamedInConnectionAreStillSetOnce() {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a");
    req.headers()
        .add("Connection", "X-Forwarded-Proto, x-forwarded-for")
        .add("X-Forwarded-Proto", "https")
        .add("X-Forwarded-For", "10.0.0.1");

    ForwardingHeaders.prepareRequest(req, "/a", "h", "192.0.2.7", "rid", false);

    assertThat(req.headers().getAll("X-Forwarded-Proto")).containsExactly("http");
    assertThat(req.headers().getAll("X-Forwarded-For")).containsExactly("192.0.2.7");
  }

  @Test
  void responseNamesTheVersionAndSerialAndKeepsABackendRequestId() {
    VersionRoute v = new VersionRoute("pricing", "v3", "A-000042", List.of(), new VersionMetrics(1));
    HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    res.headers().add("Keep-Alive", "timeout=5").add("X-Request-Id", "from-backend");

    ForwardingHeaders.prepareResponse(res, v, "rid-1");

    assertThat(res.headers().get("X-Gantry-Version")).isEqualTo("v3");
    assertThat(res.headers().get("X-Gantry-Serial")).isEqualTo("A-000042");
    assertThat(res.headers().get("X-Request-Id")).isEqualTo("from-backend");
    assertThat(res.headers().contains("Keep-Alive")).isFalse();
  }

  @Test
  void backendCannotForgeTheVersionOrSerial() {
    VersionRoute v = new VersionRoute("pricing", "v3", null, List.of(), new VersionMetrics(1));
    HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    res.headers().add("X-Gantry-Version", "v9").add("X-Gantry-Serial", "forged");

    ForwardingHeaders.prepareResponse(res, v, "rid-1");

    assertThat(res.headers().getAll("X-Gantry-Version")).containsExactly("v3");
    assertThat(res.headers().contains("X-Gantry-Serial")).isFalse();
    assertThat(res.headers().get("X-Request-Id")).isEqualTo("rid-1");
  }

  @Test
  void codecHeadersStillRefuseInvalidNamesButTrustTheRoutersOwn() {
    HttpHeaders h = ForwardingHeaders.HEADERS_FACTORY.newHeaders();

    h.set(ForwardingHeaders.X_FORWARDED_FOR, "192.0.2.1").set("X-Custom", "1");

    assertThat(h.get("x-forwarded-for")).isEqualTo("192.0.2.1");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.add("Bad Name", "1"))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.add("X-Ctl\u0001", "1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void requestIdsAre32HexDigitsAndDistinct() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String id = ForwardingHeaders.newRequestId().toString();
      assertThat(id).matches("[0-9a-f]{32}");
      ids.add(id);
    }
    assertThat(ids).hasSize(1000);
  }

  private static List<String> names(HttpHeaders h) {
    return h.names().stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList();
  }
}
