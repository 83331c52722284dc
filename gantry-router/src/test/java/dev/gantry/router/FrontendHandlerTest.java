package dev.gantry.router;

import static dev.gantry.router.RouteSnapshotTest.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.json.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client side of the proxy on {@link EmbeddedChannel}s: the client connection is one, and each
 * backend connection the pool opens is another (without codecs, so the test reads and writes HTTP
 * objects). Time is the embedded loop's, advanced by hand.
 */
class FrontendHandlerTest {
  private static final long RESPONSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long CLIENT_IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final RouteRegistry routes = new RouteRegistry(100);
  /** Connections opened, in order, with the backend each was opened to. */
  private final List<EmbeddedChannel> backends = new ArrayList<>();
  private final List<String> dialed = new ArrayList<>();
  /** host:port → the failure its connect attempts end with. */
  private final Map<String, Throwable> refusing = new HashMap<>();
  /** When set, connects stay pending until the test completes this promise. */
  private ChannelPromise heldConnect;
  private boolean holdConnects;
  private BackendPool pool;
  private EmbeddedChannel client;

  @BeforeEach
  void setUp() {
    pool = new BackendPool(this::connect, 8, TimeUnit.SECONDS.toNanos(60));
    ProxyContext context = new ProxyContext(routes, AsciiString.of("X-Client-Id"), 2000, RESPONSE_TIMEOUT_NANOS,
        CLIENT_IDLE_NANOS, loop -> pool);
    client = new EmbeddedChannel(new FrontendHandler(context));
    client.freezeTime(); // from here the loop's clock moves only when a test advances it
    routes.apply(table("pricing", "pricing.example", "pricing", "v1", "v2",
        Map.of("v1", List.of("10.0.0.1:8080", "10.0.0.2:8080"), "v2", List.of("10.0.0.3:8080"))));
  }

  @AfterEach
  void tearDown() {
    client.finishAndReleaseAll();
    backends.forEach(EmbeddedChannel::finishAndReleaseAll);
  }

  private ChannelFuture connect(Backend backend, BackendHandler handler) {
    EmbeddedChannel ch = new EmbeddedChannel(handler);
    ch.freezeTime(); // the loop's clock moves only when a test advances it
    dialed.add(backend.hostPort());
    Throwable failure = refusing.get(backend.hostPort());
    if (failure != null) {
      ch.close();
      return ch.newFailedFuture(failure);
    }
    backends.add(ch);
    if (holdConnects) {
      heldConnect = ch.newPromise();
      return heldConnect;
    }
    return ch.newSucceededFuture();
  }

  private static HttpRequest get(String uri, String... headers) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    for (int i = 0; i < headers.length; i += 2) {
      r.headers().add(headers[i], headers[i + 1]);
    }
    return r;
  }

  private static HttpRequest post(String uri, int length) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, length).set(HttpHeaderNames.HOST, "client.example");
    return r;
  }

  private static ByteBuf text(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }

  private static HttpResponse ok(int length) {
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, length).set("Keep-Alive", "timeout=5");
    return r;
  }

  private FullHttpResponse readProblem() {
    Object o = client.readOutbound();
    assertThat(o).isInstanceOf(FullHttpResponse.class);
    FullHttpResponse r = (FullHttpResponse) o;
    assertThat(r.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/problem+json");
    return r;
  }

  private static Map<String, Object> body(FullHttpResponse r) {
    try {
      return Json.parseObject(r.content().toString(StandardCharsets.UTF_8));
    } finally {
      r.release();
    }
  }

  @Test
  void routedRequestIsRewrittenAndForwardedToTheStableVersion() {
    client.writeInbound(get("/pricing/quote?id=7",
        "Host", "client.example",
        "Connection", "keep-alive, X-Hop",
        "X-Hop", "secret",
        "Proxy-Authorization", "Basic eA==",
        "Upgrade", "h2c",
        "X-Forwarded-For", "192.0.2.1",
        "X-Request-Id", "req-1"), LastHttpContent.EMPTY_LAST_CONTENT);

    assertThat(dialed).containsExactly("10.0.0.1:8080");
    HttpRequest forwarded = backends.get(0).readOutbound();
    assertThat(forwarded.uri()).isEqualTo("/quote?id=7");
    assertThat(forwarded.headers().get("X-Forwarded-For")).isEqualTo("192.0.2.1, embedded");
    assertThat(forwarded.headers().get("X-Forwarded-Host")).isEqualTo("client.example");
    assertThat(forwarded.headers().get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(forwarded.headers().get("X-Request-Id")).isEqualTo("req-1");
    assertThat(forwarded.headers().contains("X-Hop")).isFalse();
    assertThat(forwarded.headers().contains("Proxy-Authorization")).isFalse();
    assertThat(forwarded.headers().contains("Upgrade")).isFalse();
    assertThat(forwarded.headers().contains("Connection")).isFalse();
    assertThat((Object) backends.get(0).readOutbound()).isEqualTo(LastHttpContent.EMPTY_LAST_CONTENT);
  }

  @Test
  void responseIsRelayedWithVersionSerialAndRequestIdAndTheConnectionIsPooled() {
    client.writeInbound(get("/pricing/quote"), LastHttpContent.EMPTY_LAST_CONTENT);
    EmbeddedChannel backend = backends.get(0);
    HttpRequest forwarded = backend.readOutbound();
    String requestId = forwarded.headers().get("X-Request-Id");
    assertThat(requestId).as("generated when the client sent none").matches("[0-9a-f]{32}");

    backend.writeInbound(ok(2), new DefaultLastHttpContent(text("ok")));

    FullHttpResponse response = client.readOutbound();
    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().get("X-Gantry-Version")).isEqualTo("v1");
    assertThat(response.headers().get("X-Gantry-Serial")).isEqualTo("S-v1");
    assertThat(response.headers().get("X-Request-Id")).isEqualTo(requestId);
    assertThat(response.headers().contains("Keep-Alive")).isFalse();
    assertThat(response.content().toString(StandardCharsets.UTF_8))
        .as("a head and last chunk that arrive together leave together").isEqualTo("ok");
    response.release();
    assertThat(client.isOpen()).isTrue();
    assertThat(pool.idleCount(Backend.parse("10.0.0.1:8080"))).isEqualTo(1);
    assertThat(routes.stats("pricing", "v1").requests()).isEqualTo(1);
  }

  @Test
  void hostHeaderRoutesWithoutStrippingAndPreviewHeaderPicksThePreview() {
    client.writeInbound(get("/quote", "Host", "Pricing.Example:443", "X-Gantry-Preview", "1"),
        LastHttpContent.EMPTY_LAST_CONTENT);

    assertThat(dialed).containsExactly("10.0.0.3:8080");
    HttpRequest forwarded = backends.get(0).readOutbound();
    assertThat(forwarded.uri()).isEqualTo("/quote");
  }

  @Test
  void previewPathSegmentIsStripped() {
    client.writeInbound(get("/pricing/~preview/quote"), LastHttpContent.EMPTY_LAST_CONTENT);

    assertThat(dialed).containsExactly("10.0.0.3:8080");
    HttpRequest forwarded = backends.get(0).readOutbound();
    assertThat(forwarded.uri()).isEqualTo("/quote");
  }

  @Test
  void unknownRouteIs404ProblemAndTheConnectionStaysUsable() {
    client.writeInbound(get("/billing/x", "Host", "nowhere.example"), LastHttpContent.EMPTY_LAST_CONTENT);

    FullHttpResponse r = readProblem();
    assertThat(r.status().code()).isEqualTo(404);
    assertThat(r.headers().get("X-Request-Id")).matches("[0-9a-f]{32}");
    assertThat(body(r))
        .containsEntry("code", "route-not-found")
        .containsEntry("status", 404L)
        .containsEntry("type", "https://gantry.dev/problems/route-not-found")
        .containsEntry("detail", "no service is routed for host 'nowhere.example' or path '/billing/x'");
    assertThat(client.isOpen()).isTrue();

    client.writeInbound(get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat(dialed).hasSize(1);
  }

  @Test
  void serviceWithoutVersionIs503Problem() {
    routes.apply(table("billing", null, "billing", null, null, Map.of()));

    client.writeInbound(get("/billing/x"), LastHttpContent.EMPTY_LAST_CONTENT);

    FullHttpResponse r = readProblem();
    assertThat(r.status().code()).isEqualTo(503);
    assertThat(body(r))
        .containsEntry("code", "version-unavailable")
        .containsEntry("detail", "service 'billing' has no stable version");
  }

  @Test
  void unroutedRequestWaitingFor100ContinueGetsItsAnswerAndTheConnectionCloses() {
    HttpRequest r = post("/billing/upload", 100);
    r.headers().set(HttpHeaderNames.EXPECT, "100-continue");

    client.writeInbound(r);

    FullHttpResponse problem = readProblem();
    assertThat(problem.status().code()).isEqualTo(404);
    assertThat(problem.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    problem.release();
    assertThat(client.isOpen()).isFalse();
  }

  @Test
  void routedRequestWaitingFor100ContinueGetsItAndTheBackendSeesNoExpect() {
    HttpRequest r = post("/pricing/upload", 3);
    r.headers().set(HttpHeaderNames.EXPECT, "100-continue");

    client.writeInbound(r);

    FullHttpResponse interim = client.readOutbound();
    assertThat(interim.status()).isEqualTo(HttpResponseStatus.CONTINUE);
    client.writeInbound(new DefaultLastHttpContent(text("abc")));
    HttpRequest forwarded = backends.get(0).readOutbound();
    assertThat(forwarded.headers().contains(HttpHeaderNames.EXPECT)).isFalse();
  }

  @Test
  void bodyOfARefusedRequestIsDroppedAndTheNextRequestIsServed() {
    client.writeInbound(post("/billing/upload", 6), new DefaultHttpContent(text("abc")));
    FullHttpResponse r = readProblem();
    assertThat(r.status().code()).isEqualTo(404);
    r.release();

    HttpContent rest = new DefaultLastHttpContent(text("def"));
    client.writeInbound(rest, get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT);

    assertThat(rest.refCnt()).as("dropped, and released").isZero();
    assertThat(dialed).containsExactly("10.0.0.1:8080");
  }

  @Test
  void bodyChunksThatArriveWhileConnectingAreForwardedInOrderOnceConnected() {
    holdConnects = true;
    client.writeInbound(post("/pricing/orders", 6), new DefaultHttpContent(text("abc")));
    client.writeInbound(new DefaultLastHttpContent(text("def")));
    EmbeddedChannel backend = backends.get(0);
    assertThat((Object) backend.readOutbound()).isNull();

    heldConnect.setSuccess();

    HttpRequest forwarded = backend.readOutbound();
    assertThat(forwarded.method()).isEqualTo(HttpMethod.POST);
    HttpContent first = backend.readOutbound();
    HttpContent second = backend.readOutbound();
    assertThat(first.content().toString(StandardCharsets.UTF_8)).isEqualTo("abc");
    assertThat(second).isInstanceOf(LastHttpContent.class);
    assertThat(second.content().toString(StandardCharsets.UTF_8)).isEqualTo("def");
    first.release();
    second.release();
  }

  @Test
  void clientIsReadAgainOnceTheBackendIsConnectedSoTheBodyCanFollow() {
    client.config().setAutoRead(false); // as in the router: only the handler's own reads count
    int[] reads = {0};
    client.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
      @Override
      public void read(io.netty.channel.ChannelHandlerContext ctx) {
        reads[0]++;
        ctx.read();
      }
    });
    holdConnects = true;
    client.writeInbound(post("/pricing/orders", 3));
    int readsWhileConnecting = reads[0];

    heldConnect.setSuccess();

    assertThat(readsWhileConnecting).as("no body is read before there is somewhere to put it").isZero();
    assertThat(reads[0]).isEqualTo(1);
  }

  @Test
  void refusedConnectIs502ForPostWithoutRetry() {
    refusing.put("10.0.0.1:8080", new ConnectException("Connection refused"));

    client.writeInbound(post("/pricing/orders", 0), LastHttpContent.EMPTY_LAST_CONTENT);

    FullHttpResponse r = readProblem();
    assertThat(r.status().code()).isEqualTo(502);
    assertThat(r.headers().get("X-Gantry-Version")).isEqualTo("v1");
    assertThat(body(r)).containsEntry("code", "backend-unreachable")
        .containsEntry("detail", "backend 10.0.0.1:8080 of pricing@v1 could not be connected: Connection refused");
    assertThat(dialed).containsExactly("10.0.0.1:8080");
    assertThat(routes.stats("pricing", "v1").errors5xx()).isEqualTo(1);
  }

  @Test
  void refusedConnectForGetIsRetriedOnceOnAnotherInstance() {
    refusing.put("10.0.0.1:8080", new ConnectException("Connection refused"));

    client.writeInbound(get("/pricing/quote"), LastHttpContent.EMPTY_LAST_CONTENT);

    assertThat(dialed).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    HttpRequest forwarded = backends.get(0).readOutbound();
    assertThat(forwarded.uri()).isEqualTo("/quote");
  }

  @Test
  void getIsRetriedOnlyOnce() {
    refusing.put("10.0.0.1:8080", new ConnectException("Connection refused"));
    refusing.put("10.0.0.2:8080", new ConnectException("Connection refused"));

    client.writeInbound(get("/pricing/quote"), LastHttpContent.EMPTY_LAST_CONTENT);

    assertThat(dialed).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(readProblem().status().code()).isEqualTo(502);
  }

  @Test
  void connectTimeoutIs504() {
    refusing.put("10.0.0.3:8080", new ConnectTimeoutException("connection timed out"));

    client.writeInbound(get("/pricing/~preview/q"), LastHttpContent.EMPTY_LAST_CONTENT);

    FullHttpResponse r = readProblem();
    assertThat(r.status().code()).isEqualTo(504);
    assertThat(body(r)).containsEntry("code", "backend-timeout");
  }

  @Test
  void backendSilentPastTheResponseTimeoutIs504AndItsConnectionIsClosed() {
    client.writeInbound(get("/pricing/quote"), LastHttpContent.EMPTY_LAST_CONTENT);
    EmbeddedChannel backend = backends.get(0);

    backend.advanceTimeBy(RESPONSE_TIMEOUT_NANOS - 1, TimeUnit.NANOSECONDS);
    backend.runScheduledPendingTasks();
    assertThat((Object) client.readOutbound()).isNull();
    backend.advanceTimeBy(1, TimeUnit.NANOSECONDS);
    backend.runScheduledPendingTasks();

    FullHttpResponse r = readProblem();
    assertThat(r.status().code()).isEqualTo(504);
    assertThat(body(r).get("detail")).isEqualTo("backend 10.0.0.1:8080 of pricing@v1 sent no response within 30000 ms");
    assertThat(backend.isOpen()).isFalse();
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void backendClosingBeforeRespondingIs502() {
    client.writeInbound(post("/pricing/orders", 0), LastHttpContent.EMPTY_LAST_CONTENT);

    backends.get(0).close();

    FullHttpResponse r = readProblem();
    assertThat(r.status().code()).isEqualTo(502);
    assertThat(body(r).get("detail")).isEqualTo(
        "backend 10.0.0.1:8080 of pricing@v1 failed before responding: the connection closed");
  }

  @Test
  void backendClosingMidResponseClosesTheClientConnection() {
    client.writeInbound(get("/pricing/quote"), LastHttpContent.EMPTY_LAST_CONTENT);
    EmbeddedChannel backend = backends.get(0);
    backend.writeInbound(ok(10), new DefaultHttpContent(text("12345")));
    assertThat(client.isOpen()).isTrue();

    backend.close();

    assertThat(client.isOpen()).as("a short body must not look complete").isFalse();
  }

  @Test
  void pipelinedRequestsWaitAndAreAnsweredInOrder() {
    client.writeInbound(get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT, get("/nowhere"),
        LastHttpContent.EMPTY_LAST_CONTENT);
    EmbeddedChannel backend = backends.get(0);
    assertThat((Object) client.readOutbound()).as("the 404 waits for the first answer").isNull();

    backend.writeInbound(ok(0), LastHttpContent.EMPTY_LAST_CONTENT);

    FullHttpResponse first = client.readOutbound();
    assertThat(first.status().code()).isEqualTo(200);
    assertThat(first.headers().get("X-Gantry-Version")).isEqualTo("v1");
    assertThat(readProblem().status().code()).isEqualTo(404);
  }

  @Test
  void connectionCloseFromTheClientIsHonouredAfterTheResponse() {
    client.writeInbound(get("/pricing/a", "Connection", "close"), LastHttpContent.EMPTY_LAST_CONTENT);
    backends.get(0).writeInbound(ok(0), LastHttpContent.EMPTY_LAST_CONTENT);

    HttpResponse r = client.readOutbound();
    assertThat(r.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    assertThat(client.isOpen()).isFalse();
  }

  @Test
  void backendConnectionCloseIsNotPooledButTheClientKeepsItsConnection() {
    client.writeInbound(get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT);
    EmbeddedChannel backend = backends.get(0);
    HttpResponse closing = ok(0);
    closing.headers().set(HttpHeaderNames.CONNECTION, "close");

    backend.writeInbound(closing, LastHttpContent.EMPTY_LAST_CONTENT);

    HttpResponse r = client.readOutbound();
    assertThat(r.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
    assertThat(backend.isOpen()).isFalse();
    assertThat(pool.idleCount(Backend.parse("10.0.0.1:8080"))).isZero();
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void responseHeadWithoutItsLastChunkIsSentWhenTheBatchEndsAndChunksFollow() {
    client.writeInbound(get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT);
    EmbeddedChannel backend = backends.get(0);

    backend.writeInbound(ok(6));
    HttpResponse head = client.readOutbound();
    assertThat(head).isNotInstanceOf(FullHttpResponse.class);
    backend.writeInbound(new DefaultHttpContent(text("abc")));
    HttpContent middle = client.readOutbound();
    backend.writeInbound(new DefaultLastHttpContent(text("def")));
    LastHttpContent last = client.readOutbound();

    assertThat(middle.content().toString(StandardCharsets.UTF_8)).isEqualTo("abc");
    assertThat(last.content().toString(StandardCharsets.UTF_8)).isEqualTo("def");
    middle.release();
    last.release();
  }

  @Test
  void backendFailingAfterAHeldBackHeadStillGetsTheClientA502() {
    client.writeInbound(post("/pricing/orders", 0), LastHttpContent.EMPTY_LAST_CONTENT);
    EmbeddedChannel backend = backends.get(0);
    backend.pipeline().fireChannelRead(ok(10)); // a head, with no read-complete yet: still held

    backend.close();

    assertThat(readProblem().status().code()).isEqualTo(502);
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void closeDelimitedBackendBodyIsChunkedToTheClient() {
    client.writeInbound(get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT);

    backends.get(0).writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));

    HttpResponse r = client.readOutbound();
    assertThat(r.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
  }

  @Test
  void interimResponsesAreNotRelayed() {
    client.writeInbound(get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT);

    backends.get(0).writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.EARLY_HINTS),
        LastHttpContent.EMPTY_LAST_CONTENT, ok(0), LastHttpContent.EMPTY_LAST_CONTENT);

    HttpResponse r = client.readOutbound();
    assertThat(r.status().code()).isEqualTo(200);
  }

  @Test
  void unparsableRequestIs400AndCloses() {
    HttpRequest bad = get("/pricing/a");
    bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("invalid version")));

    client.writeInbound(bad);

    FullHttpResponse r = readProblem();
    assertThat(r.status().code()).isEqualTo(400);
    assertThat(body(r).get("detail")).isEqualTo("the request could not be parsed: invalid version");
    assertThat(client.isOpen()).isFalse();
    assertThat(dialed).isEmpty();
  }

  @Test
  void clientIdsAreCountedPerVersion() {
    client.writeInbound(get("/pricing/a", "X-Client-Id", "desk-7"), LastHttpContent.EMPTY_LAST_CONTENT);

    assertThat(routes.stats("pricing", "v1").clients()).containsEntry("desk-7", 1L);
  }

  @Test
  void idleKeepAliveClientIsClosedAfterTheIdleTimeout() {
    client.writeInbound(get("/nowhere"), LastHttpContent.EMPTY_LAST_CONTENT);
    readProblem().release();
    client.advanceTimeBy(CLIENT_IDLE_NANOS - 1, TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();
    assertThat(client.isOpen()).isTrue();

    client.advanceTimeBy(1, TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();

    assertThat(client.isOpen()).isFalse();
  }

  @Test
  void clientWaitingForAResponseIsNotIdle() {
    client.writeInbound(get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT);

    client.advanceTimeBy(2 * CLIENT_IDLE_NANOS, TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();

    assertThat(client.isOpen()).as("the response timeout, not the idle timeout, governs a slow backend").isTrue();
  }

  @Test
  void idleTimeStartsWhenTheResponseEndsNotWhenTheRequestArrived() {
    client.writeInbound(get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT);
    client.advanceTimeBy(CLIENT_IDLE_NANOS / 2, TimeUnit.NANOSECONDS); // a slow response
    backends.get(0).writeInbound(ok(0), LastHttpContent.EMPTY_LAST_CONTENT);
    ReferenceCountUtil.release(client.readOutbound());

    client.advanceTimeBy(CLIENT_IDLE_NANOS - 1, TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();

    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void stalledUploadIsClosedAfterTheIdleTimeout() {
    client.writeInbound(post("/pricing/upload", 100), new DefaultHttpContent(text("first part")));
    client.advanceTimeBy(CLIENT_IDLE_NANOS, TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();

    assertThat(client.isOpen()).isFalse();
    assertThat(backends.get(0).isOpen()).as("the half-sent request's backend connection goes too").isFalse();
  }

  @Test
  void oversizedHeadersAre431() {
    HttpRequest big = get("/pricing/a");
    big.setDecoderResult(DecoderResult.failure(
        new io.netty.handler.codec.http.TooLongHttpHeaderException("HTTP header is larger than 16384 bytes.")));

    client.writeInbound(big);

    assertThat(readProblem().status().code()).isEqualTo(431);
    assertThat(client.isOpen()).isFalse();
  }

  @Test
  void clientLeavingMidExchangeClosesTheBackendConnection() {
    client.writeInbound(get("/pricing/a"), LastHttpContent.EMPTY_LAST_CONTENT);
    EmbeddedChannel backend = backends.get(0);

    client.close();

    assertThat(backend.isOpen()).isFalse();
    Object leftover;
    while ((leftover = backend.readOutbound()) != null) {
      ReferenceCountUtil.release(leftover);
    }
  }

  @Test
  void aRequestIsInFlightOnItsVersionFromRoutingToTheEndOfItsResponse() {
    client.writeInbound(get("/pricing/quote"), LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat(routes.stats("pricing", "v1").inFlight()).isEqualTo(1);
    EmbeddedChannel backend = backends.get(0);
    ReferenceCountUtil.release(backend.readOutbound());

    backend.writeInbound(ok(2), new DefaultLastHttpContent(text("ok")));

    ReferenceCountUtil.release(client.readOutbound());
    assertThat(routes.stats("pricing", "v1").inFlight()).isZero();
  }

  @Test
  void aRequestWhoseClientLeavesOrWhoseBackendFailsIsNoLongerInFlight() {
    client.writeInbound(get("/pricing/quote"), LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat(routes.stats("pricing", "v1").inFlight()).isEqualTo(1);
    client.close();
    assertThat(routes.stats("pricing", "v1").inFlight()).as("the client went away").isZero();

    setUp();
    refusing.put("10.0.0.1:8080", new ConnectException("refused"));
    refusing.put("10.0.0.2:8080", new ConnectException("refused"));
    client.writeInbound(get("/pricing/quote"), LastHttpContent.EMPTY_LAST_CONTENT);
    FullHttpResponse problem = readProblem();
    assertThat(problem.status().code()).isEqualTo(502);
    problem.release();
    assertThat(routes.stats("pricing", "v1").inFlight()).as("answered 502 by the router").isZero();
  }

  @Test
  void aRequestForARetiredVersionIs410WithTheSuccessorAsAMember() {
    routes.apply(new dev.gantry.core.deploy.TrafficRouter.RouteTable("pricing", "pricing.example", "pricing", "v3",
        null, Map.of("v3", List.of("10.0.0.3:8080")), Map.of("v3", "S-v3"), null,
        new dev.gantry.core.deploy.TrafficRouter.Versions(Map.of("v3", "v3"), Map.of("v1", "v3"), Map.of())));
    client.writeInbound(get("/pricing/v1/quote"), LastHttpContent.EMPTY_LAST_CONTENT);

    FullHttpResponse r = readProblem();
    assertThat(r.status().code()).isEqualTo(410);
    Map<String, Object> problem = body(r);
    assertThat(problem).containsEntry("code", "version-retired").containsEntry("successor", "v3");
    assertThat((String) problem.get("detail")).contains("use its successor v3");
    assertThat(dialed).isEmpty();
  }

  /**
   * Only a request that names the version (path, Gantry-Version header, vN host) makes its client an explicit
   * one; the default address, the preview route and the canary split count the client as seen, not as explicit.
   */
  @Test
  void clientsThatAddressAVersionByVersionAreToldApartFromTheDefaultAddresss() {
    routes.apply(new dev.gantry.core.deploy.TrafficRouter.RouteTable("pricing", "pricing.example", "pricing", "v3",
        null, Map.of("v2", List.of("10.0.0.2:8080"), "v3", List.of("10.0.0.3:8080")), Map.of("v2", "S-v2", "v3", "S-v3"),
        null, new dev.gantry.core.deploy.TrafficRouter.Versions(Map.of("v2", "v2", "v3", "v3"), Map.of(), Map.of())));
    answered(get("/pricing/quote", "X-Client-Id", "desk-default"));
    answered(get("/pricing/v3/quote", "X-Client-Id", "desk-path"));
    answered(get("/pricing/quote", "X-Client-Id", "desk-header", "Gantry-Version", "v3"));
    answered(get("/quote", "X-Client-Id", "desk-host", "Host", "v3.pricing.example"));
    answered(get("/pricing/v2/quote", "X-Client-Id", "batch"));

    var v3 = routes.stats("pricing", "v3");
    assertThat(v3.clientLastSeenMillis()).containsOnlyKeys("desk-default", "desk-path", "desk-header", "desk-host");
    assertThat(v3.clientExplicitLastSeenMillis()).as("the default address is not explicit")
        .containsOnlyKeys("desk-path", "desk-header", "desk-host");
    assertThat(routes.stats("pricing", "v2").clientExplicitLastSeenMillis()).containsOnlyKeys("batch");
  }

  /** Sends a request, answers it 200 from the backend it went to, and reads the response. */
  private void answered(HttpRequest request) {
    client.writeInbound(request, LastHttpContent.EMPTY_LAST_CONTENT);
    EmbeddedChannel backend = backends.stream().filter(b -> !b.outboundMessages().isEmpty()).findFirst().orElseThrow();
    for (Object o; (o = backend.readOutbound()) != null; ) {
      ReferenceCountUtil.release(o);
    }
    backend.writeInbound(ok(2), new DefaultLastHttpContent(text("ok")));
    FullHttpResponse response = client.readOutbound();
    assertThat(response.status().code()).isEqualTo(200);
    response.release();
  }
}
