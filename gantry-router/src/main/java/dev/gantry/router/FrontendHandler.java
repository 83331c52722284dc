package dev.gantry.router;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: routes each request, forwards it to a backend connection and relays the
 * response, one exchange at a time (pipelined requests wait in order).
 *
 * <p>Threading: this handler, the {@link Exchange}s it creates and the backend connections bound to
 * them all run on the client connection's event loop (backend connections are opened on it), so no
 * field here needs to be volatile and no callback needs a lock. Callbacks that may arrive after an
 * exchange ended (connect and flush listeners, timeouts) check that the exchange and the backend
 * channel they were made for are still the current ones.
 *
 * <p>Backpressure, as in Netty's HexDumpProxy: the channels do not auto-read. The next request body
 * chunk is read only after the previous ones were flushed to the backend, and the next response
 * body chunk only after the previous ones were flushed to the client, so a slow reader on either
 * side stops the other side's reads instead of growing a buffer. Between exchanges and while waiting
 * for a response one read stays armed, which notices a client that closes (and keeps epoll from
 * re-registering interest on every request).
 *
 * <p>Cost per request matters here (this is every request's path), so: what a read batch produced
 * is written when the batch ends, a message's head and last chunk go out together when they arrive
 * together (one buffer, one write), and writes whose outcome nobody waits for use the channel's void
 * promise (a failure then closes the connection through {@code exceptionCaught}). Futures and
 * listeners are only made for body chunks, whose flush gates the next read.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
  /** An incoming request id longer than this is replaced: ids are correlation keys, not payloads. */
  private static final int MAX_REQUEST_ID_LENGTH = 200;

  private final ProxyContext context;
  private ChannelHandlerContext ctx;
  private BackendPool pool;
  private String clientAddress = "unknown";
  /** The client's address as an {@code X-Forwarded-For} value (an AsciiString: copied as one array). */
  private AsciiString clientAddressHeader = AsciiString.cached("unknown");

  /** The exchange in progress, or null between requests. */
  private Exchange exchange;
  /** Messages of pipelined requests that arrived while an exchange was in progress, in order. */
  private final ArrayDeque<HttpObject> backlog = new ArrayDeque<>(2);
  private boolean draining;
  /** A read was requested and its batch has not completed yet: asking again would only cost. */
  private boolean readRequested;
  /** Set once the connection is going away: nothing more is read or started. */
  private boolean closing;
  /**
   * Since when the router has been waiting for the client (the event loop's clock): its last read
   * batch, or the moment the router was ready for more (an exchange ended, a body chunk was
   * flushed), whichever is later. For the idle timeout.
   */
  private long lastReadNanos;
  private ScheduledFuture<?> idleTimer;

  FrontendHandler(ProxyContext context) {
    this.context = context;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    SocketAddress remote = ctx.channel().remoteAddress();
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      clientAddress = inet.getAddress().getHostAddress();
    } else if (remote != null) {
      clientAddress = remote.toString();
    }
    clientAddressHeader = new AsciiString(clientAddress);
    pool = context.pool(ctx.channel().eventLoop());
    lastReadNanos = now();
    idleTimer = ctx.executor().schedule(this::checkIdle, context.clientIdleTimeoutNanos(), TimeUnit.NANOSECONDS);
    requestRead();
  }

  /**
   * Closes a connection whose client has sent nothing for the idle timeout while the router waits
   * for it: between requests (an abandoned keep-alive connection), or in the middle of a request
   * (a stalled upload, or a slow-loris sender). One timer per connection that re-arms itself for the
   * remaining time, so a busy connection costs a clock read per read batch, not a timer.
   */
  private void checkIdle() {
    idleTimer = null;
    if (closing || !ctx.channel().isActive()) {
      return;
    }
    long timeout = context.clientIdleTimeoutNanos();
    long idleFor = now() - lastReadNanos;
    if (waitingForClient() && idleFor >= timeout) {
      log.debug("client {}: idle for {} ms; closing", clientAddress, TimeUnit.NANOSECONDS.toMillis(idleFor));
      closing = true;
      ctx.close();
      return;
    }
    long next = waitingForClient() ? timeout - idleFor : timeout;
    idleTimer = ctx.executor().schedule(this::checkIdle, next, TimeUnit.NANOSECONDS);
  }

  /**
   * The event loop's clock. Read about three times per request (request start, response timeout,
   * response end) and the readings reused: each read is a measurable share of a small request.
   */
  private long now() {
    return ctx.executor().ticker().nanoTime();
  }

  /** The next step is the client's: no exchange, or a request body that is not coming in fast enough. */
  private boolean waitingForClient() {
    Exchange x = exchange;
    if (x == null) {
      return true;
    }
    return !x.requestReceived && x.backendFlushesInFlight == 0 && (x.backend != null || x.discarding);
  }

  // ------------------------------------------------------------------ client → router

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing || !(msg instanceof HttpObject o)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    Exchange x = exchange;
    if (x != null && backlog.isEmpty() && !x.requestReceived && o instanceof HttpContent c
        && !(o instanceof HttpRequest)) {
      onRequestContent(x, c);
    } else if (x != null || !backlog.isEmpty()) {
      // A pipelined request: it waits until the current exchange is over (responses keep their order).
      backlog.add(o);
    } else {
      startOrDrop(o);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    readRequested = false;
    Exchange x = exchange;
    if (x != null && x.backend != null) {
      forwardToBackend(x);
    }
    updateReadInterest();
  }

  private void startOrDrop(HttpObject o) {
    if (o instanceof HttpRequest request) {
      begin(request);
    } else {
      // A chunk of a request that was already answered and closed over; nothing wants it.
      ReferenceCountUtil.release(o);
    }
  }

  private void begin(HttpRequest request) {
    HttpHeaders h = request.headers();
    String incomingId = h.get(ForwardingHeaders.X_REQUEST_ID);
    boolean keepIncomingId = incomingId != null && !incomingId.isBlank() && incomingId.length() <= MAX_REQUEST_ID_LENGTH;
    CharSequence requestId = keepIncomingId ? incomingId : ForwardingHeaders.newRequestId();
    long now = now();
    lastReadNanos = now;
    Exchange x = new Exchange(request, requestId, now);
    exchange = x;
    if (request.decoderResult().isFailure()) {
      // The decoder discards the rest of the connection's input: answer, then close.
      x.requestReceived = true;
      Throwable cause = request.decoderResult().cause();
      HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
          ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
          : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
          : HttpResponseStatus.BAD_REQUEST;
      respondLocal(x, status, Problems.BAD_REQUEST, "the request could not be parsed: " + cause.getMessage(), false);
      return;
    }
    String expect = h.get(HttpHeaderNames.EXPECT);
    if (expect != null && !x.clientVersion.equals(HttpVersion.HTTP_1_0)
        && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
      x.requestReceived = true; // whatever follows is not read: the connection closes
      respondLocal(x, HttpResponseStatus.EXPECTATION_FAILED, Problems.BAD_REQUEST, "expectation '" + expect
          + "' (expected: 100-continue or none)", false);
      return;
    }
    x.expectContinue = expect != null && !x.clientVersion.equals(HttpVersion.HTTP_1_0);
    String preview = h.get(ForwardingHeaders.X_GANTRY_PREVIEW);
    String host = h.get(HttpHeaderNames.HOST);
    RouteSelection selection = context.routes().current()
        .select(host, request.uri(), preview != null && preview.trim().equals("1"), h);
    switch (selection) {
      case RouteSelection.NoRoute n ->
          respondLocal(x, HttpResponseStatus.NOT_FOUND, Problems.ROUTE_NOT_FOUND, n.detail(), x.keepAlive);
      case RouteSelection.Gone g -> respondLocal(x, HttpResponseStatus.GONE, Problems.VERSION_RETIRED, "version '"
          + g.label() + "' of service '" + g.service() + "' is retired" + (g.successor() == null ? ""
          : "; use its successor " + g.successor() + " (Gantry-Version: " + g.successor() + ")"), x.keepAlive,
          g.successor() == null ? java.util.Map.of() : java.util.Map.of("successor", g.successor()));
      case RouteSelection.NoSuchVersion n ->
          respondLocal(x, HttpResponseStatus.NOT_FOUND, Problems.VERSION_NOT_FOUND, n.detail(), x.keepAlive);
      case RouteSelection.NoVersion n ->
          respondLocal(x, HttpResponseStatus.SERVICE_UNAVAILABLE, Problems.VERSION_UNAVAILABLE, n.detail(),
              x.keepAlive);
      case RouteSelection.Routed r -> forward(x, r, host, keepIncomingId);
    }
    if (request instanceof HttpContent c) {
      // A FullHttpRequest: the codec does not make them, an upstream handler might.
      if (exchange == x) {
        onRequestContent(x, c);
      } else {
        c.release();
      }
    }
  }

  /**
   * Who is calling, for the version directory: the client id header; else an API key, by a digest (never the
   * key itself); else "anonymous", so traffic without an identity still counts as use of a version.
   */
  private String clientIdentity(io.netty.handler.codec.http.HttpHeaders h) {
    String clientId = h.get(context.clientIdHeader());
    if (clientId != null && !clientId.isEmpty()) {
      return clientId;
    }
    String key = h.get(API_KEY);
    if (key != null && !key.isEmpty()) {
      try {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(key.getBytes(
            java.nio.charset.StandardCharsets.UTF_8));
        return "api-key:" + java.util.HexFormat.of().formatHex(d, 0, 6);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return ANONYMOUS;
  }

  static final String API_KEY = "X-Api-Key";
  static final String ANONYMOUS = "anonymous";

  private void forward(Exchange x, RouteSelection.Routed routed, String host, boolean keepIncomingId) {
    VersionRoute version = routed.version();
    x.version = version;
    version.metrics().recordClient(clientIdentity(x.request.headers()), routed.explicit());
    version.metrics().started();
    x.inFlight = true;
    if (x.expectContinue) {
      // Answered here, once the request has somewhere to go; the backend sees a plain request.
      x.request.headers().remove(HttpHeaderNames.EXPECT);
      ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
          Unpooled.EMPTY_BUFFER), ctx.voidPromise());
    }
    ForwardingHeaders.prepareRequest(x.request, routed.uri(), host, clientAddressHeader, x.requestId, keepIncomingId);
    x.target = version.next();
    // Within a read batch (or a backlog drain): the head is written when the batch ends.
    acquireBackend(x, false, false);
  }

  private void onRequestContent(Exchange x, HttpContent c) {
    if (c.decoderResult().isFailure()) {
      String reason = String.valueOf(c.decoderResult().cause());
      c.release();
      x.requestReceived = true;
      if (x.responseHeadSent) {
        closeNow(x);
      } else {
        dropBackend(x);
        x.releasePending();
        respondLocal(x, HttpResponseStatus.BAD_REQUEST, Problems.BAD_REQUEST,
            "the request body could not be parsed: " + reason, false);
      }
      return;
    }
    boolean last = c instanceof LastHttpContent;
    if (last) {
      x.requestReceived = true;
    }
    if (c.content().isReadable()) {
      x.bodySeen = true;
      lastReadNanos = now();
    }
    if (x.discarding) {
      c.release();
      if (last && x.responseDone) {
        finishExchange(x, now());
      }
      return;
    }
    // Written at the end of the read batch, or when the backend connection is up.
    x.addPending(c);
  }

  /** Arms one read, unless one is already armed (each request would cost a pipeline walk). */
  private void requestRead() {
    if (!readRequested) {
      readRequested = true;
      ctx.read();
    }
  }

  /**
   * Arms one read when the connection may take more input: between exchanges, while waiting for a
   * response, while dropping an answered request's body, or when the body chunks read so far are
   * flushed to the backend. Never while pipelined requests wait: they bound what is buffered.
   */
  private void updateReadInterest() {
    if (closing || !backlog.isEmpty()) {
      return;
    }
    Exchange x = exchange;
    if (x == null || x.requestReceived || x.discarding
        || (x.backend != null && x.backendFlushesInFlight == 0 && x.peekPending() == null)) {
      requestRead();
    }
  }

  // ------------------------------------------------------------------ router → backend

  /**
   * Uses an idle pooled connection to the target, else opens one. {@code writeNow}: outside a read
   * batch nobody else will write the pending request parts, so attaching writes them at once.
   */
  private void acquireBackend(Exchange x, boolean fresh, boolean writeNow) {
    BackendHandler pooled = fresh ? null : pool.acquire(x.target);
    if (pooled != null) {
      attach(x, pooled, writeNow);
      return;
    }
    pool.connect(x.target).addListener((ChannelFutureListener) f -> onConnected(x, f));
  }

  private void onConnected(Exchange x, ChannelFuture f) {
    if (x != exchange || x.responseDone) {
      // The client left, or was answered, while we connected: keep the clean connection for later.
      if (f.isSuccess()) {
        pool.release(x.target, f.channel().pipeline().get(BackendHandler.class), now());
      }
      return;
    }
    if (f.isSuccess()) {
      attach(x, f.channel().pipeline().get(BackendHandler.class), true);
      return;
    }
    Throwable cause = f.cause();
    if (x.idempotent && x.attempts == 0) {
      Backend other = x.version.other(x.target);
      if (other != null) {
        log.debug("{} {}: connect to {} failed ({}); retrying once on {}", x.request.method(), x.originalUri,
            x.target, cause, other);
        x.attempts++;
        x.target = other;
        acquireBackend(x, false, true);
        return;
      }
    }
    x.releasePending();
    if (cause instanceof ConnectTimeoutException) {
      respondLocal(x, HttpResponseStatus.GATEWAY_TIMEOUT, Problems.BACKEND_TIMEOUT, "backend " + x.target + " of "
          + x.version + " did not accept a connection within " + context.connectTimeoutMillis() + " ms", x.keepAlive);
    } else {
      respondLocal(x, HttpResponseStatus.BAD_GATEWAY, Problems.BACKEND_UNREACHABLE, "backend " + x.target + " of "
          + x.version + " could not be connected: " + cause.getMessage(), x.keepAlive);
    }
  }

  private void attach(Exchange x, BackendHandler handler, boolean writeNow) {
    Channel ch = handler.channel();
    handler.bind(this, x);
    x.backend = ch;
    x.backendHandler = handler;
    x.reused = handler.reused();
    handler.armResponseTimeout(context.responseTimeoutNanos());
    if (writeNow) {
      forwardToBackend(x);
    }
    if (x.backend == ch) {
      handler.requestRead(); // for the response (a pooled connection has one armed already)
    }
    if (writeNow) {
      // Outside a read batch nothing else re-arms the client's read (e.g. for a body still to come).
      updateReadInterest();
    }
  }

  /**
   * Writes the pending request parts to the backend and flushes. A head whose last chunk is already
   * here goes out as one full message. Only a body chunk that is not the last one gets a future: its
   * flush gates the next read from the client.
   */
  private void forwardToBackend(Exchange x) {
    Channel ch = x.backend;
    if (x.headForwarded && x.peekPending() == null) {
      return;
    }
    ChannelFuture bodyWritten = null;
    if (!x.headForwarded) {
      x.headForwarded = true;
      HttpContent first = x.peekPending();
      if (first instanceof LastHttpContent last && !x.hasMorePending()) {
        x.pollPending();
        HttpRequest head = x.request;
        ch.writeAndFlush(new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(), last.content(),
            head.headers(), last.trailingHeaders()), ch.voidPromise());
        x.requestForwarded = true;
        return;
      }
      ch.write(x.request, ch.voidPromise());
    }
    HttpContent c;
    while ((c = x.pollPending()) != null) {
      if (c instanceof LastHttpContent) {
        ch.write(c, ch.voidPromise());
        x.requestForwarded = true;
      } else {
        bodyWritten = ch.write(c);
      }
    }
    ch.flush();
    if (bodyWritten != null) {
      x.backendFlushesInFlight++;
      bodyWritten.addListener(f -> onBackendFlushed(x, ch, (ChannelFuture) f));
    }
  }

  private void onBackendFlushed(Exchange x, Channel ch, ChannelFuture f) {
    x.backendFlushesInFlight--;
    if (x != exchange || x.backend != ch) {
      return;
    }
    if (!f.isSuccess()) {
      onBackendFailure(x, ch, "writing the request failed: " + f.cause());
      return;
    }
    if (x.backendFlushesInFlight == 0) {
      lastReadNanos = now(); // ready for more body: the client's turn
    }
    updateReadInterest();
  }

  /** The backend sent no response head in time (see {@link BackendHandler#armResponseTimeout}). */
  void onResponseTimeout(Exchange x, Channel ch) {
    if (x != exchange || x.backend != ch || x.responseHeadSent) {
      return;
    }
    dropBackend(x);
    x.releasePending();
    respondLocal(x, HttpResponseStatus.GATEWAY_TIMEOUT, Problems.BACKEND_TIMEOUT, "backend " + x.target + " of "
        + x.version + " sent no response within "
        + TimeUnit.NANOSECONDS.toMillis(context.responseTimeoutNanos()) + " ms", x.keepAlive);
  }

  /** Takes the backend connection off the exchange and closes it (it is mid-message). */
  private void dropBackend(Exchange x) {
    detachBackend(x, false, 0);
  }

  /**
   * Takes a backend connection off the exchange: back to the pool when it finished cleanly, closed
   * otherwise (a half-sent request or half-read response leaves it in an unknown state). {@code now}
   * (the loop's clock) dates the connection's idleness in the pool.
   */
  private void detachBackend(Exchange x, boolean reusable, long now) {
    Channel ch = x.backend;
    if (ch == null) {
      return;
    }
    BackendHandler handler = x.backendHandler;
    handler.unbind();
    x.backend = null;
    x.backendHandler = null;
    if (reusable) {
      pool.release(x.target, handler, now);
    } else {
      ch.close();
    }
  }

  // ------------------------------------------------------------------ backend → router → client

  void onBackendMessage(Exchange x, Channel ch, Object msg) {
    if (x != exchange || x.backend != ch) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse response) {
      onResponseHead(x, ch, response);
    }
    if (msg instanceof HttpContent content) {
      if (x.backend == ch) {
        onResponseContent(x, ch, content);
      } else {
        content.release();
      }
    } else if (!(msg instanceof HttpResponse)) {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onResponseHead(Exchange x, Channel ch, HttpResponse response) {
    if (response.decoderResult().isFailure()) {
      onBackendFailure(x, ch, "the response could not be parsed: " + response.decoderResult().cause());
      return;
    }
    int status = response.status().code();
    if (status == 101) {
      onBackendFailure(x, ch, "it switched protocols, which the router does not relay");
      return;
    }
    if (status < 200) {
      // 100/102/103 are interim: the router answers Expect: 100-continue itself and relays finals only.
      x.skippingInterim = true;
      return;
    }
    x.backendHandler.disarmResponseTimeout();
    x.status = status;
    x.backendKeepAlive = ForwardingHeaders.prepareResponse(response, x.version, x.requestId);
    boolean keepAlive = x.keepAlive;
    boolean http10 = x.clientVersion.equals(HttpVersion.HTTP_1_0);
    boolean bodyAllowed = !x.head && status != 204 && status != 304;
    boolean chunked = HttpUtil.isTransferEncodingChunked(response);
    if (bodyAllowed && !chunked && !HttpUtil.isContentLengthSet(response)) {
      // The body ends when the backend closes: the backend connection cannot be reused, and the
      // client gets chunks (HTTP/1.1) or a close-delimited body (HTTP/1.0).
      x.backendKeepAlive = false;
      if (http10) {
        keepAlive = false;
      } else {
        HttpUtil.setTransferEncodingChunked(response, true);
      }
    } else if (http10 && chunked) {
      HttpUtil.setTransferEncodingChunked(response, false);
      keepAlive = false;
    }
    if (http10) {
      response.setProtocolVersion(HttpVersion.HTTP_1_0);
    }
    x.keepAliveToClient = keepAlive;
    if (!keepAlive || http10) {
      HttpUtil.setKeepAlive(response, keepAlive); // an HTTP/1.1 keep-alive response needs no header
    }
    x.responseHeadSent = true;
    // Held: if the last chunk is in this batch too, both leave as one message.
    x.pendingResponseHead = response;
  }

  private void onResponseContent(Exchange x, Channel ch, HttpContent content) {
    if (x.skippingInterim) {
      content.release();
      if (content instanceof LastHttpContent) {
        x.skippingInterim = false;
      }
      return;
    }
    if (!x.responseHeadSent) {
      content.release();
      return;
    }
    if (content.decoderResult().isFailure()) {
      String reason = String.valueOf(content.decoderResult().cause());
      content.release();
      onBackendFailure(x, ch, "the response body could not be parsed: " + reason);
      return;
    }
    x.clientUnflushed = true;
    HttpResponse head = x.pendingResponseHead;
    if (content instanceof LastHttpContent last) {
      ChannelFuture written;
      if (head != null) {
        x.pendingResponseHead = null;
        written = writeToClient(new DefaultFullHttpResponse(head.protocolVersion(), head.status(), last.content(),
            head.headers(), last.trailingHeaders()), !x.keepAliveToClient);
      } else {
        written = writeToClient(last, !x.keepAliveToClient);
      }
      x.closeAfter = written;
      onResponseComplete(x);
      return;
    }
    if (head != null) {
      x.pendingResponseHead = null;
      ctx.write(head, ctx.voidPromise());
    }
    x.responseChunkWritten = ctx.write(content);
  }

  private ChannelFuture writeToClient(Object msg, boolean needFuture) {
    if (needFuture) {
      return ctx.write(msg);
    }
    ctx.write(msg, ctx.voidPromise());
    return null;
  }

  private void onResponseComplete(Exchange x) {
    x.responseDone = true;
    x.clientUnflushed = false;
    // Counted before the flush: whoever saw the response can already read it in the stats.
    long now = now();
    x.version.metrics().record(x.status, now - x.startNanos);
    ended(x);
    ctx.flush();
    // Reusable only when both messages were complete: a backend that answered before reading the
    // whole request still expects (or discards) the rest of it.
    boolean reusable = x.backendKeepAlive && x.requestForwarded && x.backend.isActive();
    detachBackend(x, reusable, now);
    if (x.requestReceived) {
      finishExchange(x, now);
    } else {
      x.discarding = true;
      x.releasePending();
      updateReadInterest();
    }
  }

  /** End of a backend read batch: flush what it produced, and read more once the client took it. */
  void onBackendReadComplete(Exchange x, Channel ch) {
    if (x != exchange || x.backend != ch || x.responseDone) {
      return;
    }
    if (x.pendingResponseHead != null) {
      ctx.write(x.pendingResponseHead, ctx.voidPromise());
      x.pendingResponseHead = null;
      x.clientUnflushed = true;
    }
    ChannelFuture chunk = x.responseChunkWritten;
    x.responseChunkWritten = null;
    if (x.clientUnflushed) {
      x.clientUnflushed = false;
      ctx.flush();
    }
    if (chunk == null) {
      x.backendHandler.requestRead(); // only a head (or nothing decodable yet): nothing to wait for
      return;
    }
    chunk.addListener(f -> {
      if (!f.isSuccess()) {
        ctx.close();
      } else if (x.backend == ch && !x.responseDone) {
        x.backendHandler.requestRead();
      }
    });
  }

  /** The backend connection failed or closed before the response was complete. */
  void onBackendFailure(Exchange x, Channel ch, String reason) {
    if (x != exchange || x.backend != ch) {
      return;
    }
    // A pooled connection the backend closed just as it was reused: the request never reached a
    // handler there. A GET/HEAD without body goes once more over a fresh connection; that retry is
    // the same one a failed connect gets.
    boolean staleRetry = x.reused && x.idempotent && x.attempts == 0 && !x.bodySeen && x.requestReceived
        && !x.responseHeadSent;
    dropBackend(x);
    if (x.pendingResponseHead != null) {
      // The head was held back and never reached the client: it can still get a clean 502.
      x.pendingResponseHead = null;
      x.responseHeadSent = false;
      x.clientUnflushed = false;
    }
    if (x.responseHeadSent) {
      log.debug("{} {}: backend {} failed mid-response ({}); closing the client connection",
          x.request.method(), x.originalUri, x.target, reason);
      x.version.metrics().record(HttpResponseStatus.BAD_GATEWAY.code(), now() - x.startNanos);
      ended(x);
      closeNow(x);
      return;
    }
    if (staleRetry) {
      x.attempts++;
      x.requestForwarded = false;
      x.headForwarded = false;
      x.skippingInterim = false;
      x.addPending(LastHttpContent.EMPTY_LAST_CONTENT);
      acquireBackend(x, true, true);
      return;
    }
    x.releasePending();
    respondLocal(x, HttpResponseStatus.BAD_GATEWAY, Problems.BACKEND_UNREACHABLE, "backend " + x.target + " of "
        + x.version + " failed before responding: " + reason, x.keepAlive);
  }

  // ------------------------------------------------------------------ ends of exchanges

  /**
   * Answers from the router itself (problem details). The rest of the request body, if any, is read
   * and dropped so the connection can serve the next request.
   */
  private void respondLocal(Exchange x, HttpResponseStatus status, String code, String detail, boolean keepAlive) {
    respondLocal(x, status, code, detail, keepAlive, java.util.Map.of());
  }

  private void respondLocal(Exchange x, HttpResponseStatus status, String code, String detail, boolean keepAlive,
      java.util.Map<String, Object> extensions) {
    if (!x.requestReceived && x.expectContinue) {
      // The client waits for 100 Continue and may never send the body it announced: the connection
      // cannot tell where the next request starts, so it closes (RFC 9110 §10.1.1).
      keepAlive = false;
    }
    FullHttpResponse response = Problems.response(x.clientVersion, status, code, detail, x.originalUri, x.requestId,
        extensions);
    HttpUtil.setKeepAlive(response, keepAlive);
    if (x.version != null) {
      response.headers().set(ForwardingHeaders.X_GANTRY_VERSION, x.version.versionHeader());
      if (x.version.serialHeader() != null) {
        response.headers().set(ForwardingHeaders.X_GANTRY_SERIAL, x.version.serialHeader());
      }
    }
    x.keepAliveToClient = keepAlive;
    x.status = status.code();
    x.responseHeadSent = true;
    x.responseDone = true;
    x.discarding = true;
    long now = now();
    if (x.version != null) {
      x.version.metrics().record(x.status, now - x.startNanos);
      ended(x);
    }
    x.closeAfter = writeToClient(response, !keepAlive);
    ctx.flush();
    if (x.requestReceived || !keepAlive) {
      finishExchange(x, now); // closing: the rest of the body, if any, need not be read
    } else {
      updateReadInterest();
    }
  }

  /** Both sides are done: close, or go on with the next (pipelined or future) request. */
  private void finishExchange(Exchange x, long now) {
    exchange = null;
    lastReadNanos = now; // the client's turn starts now
    if (!x.keepAliveToClient) {
      closing = true;
      releaseBacklog();
      if (x.closeAfter != null) {
        x.closeAfter.addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.close();
      }
      return;
    }
    drainBacklog();
  }

  /** Starts pipelined requests in order; re-entrant calls (an exchange ending at once) just return. */
  private void drainBacklog() {
    if (draining) {
      return;
    }
    draining = true;
    try {
      while (!closing && !backlog.isEmpty()) {
        Exchange x = exchange;
        if (x == null) {
          startOrDrop(backlog.poll());
        } else if (!x.requestReceived && backlog.peek() instanceof HttpContent
            && !(backlog.peek() instanceof HttpRequest)) {
          onRequestContent(x, (HttpContent) backlog.poll());
        } else {
          break;
        }
      }
    } finally {
      draining = false;
    }
    Exchange x = exchange;
    if (x != null && x.backend != null) {
      forwardToBackend(x);
    }
    updateReadInterest();
  }

  /**
   * Takes an exchange off its version's in-flight count, once: at its response's end, its local answer, or
   * when the client goes away first. A retired version's instances stop when the count reaches zero.
   */
  private static void ended(Exchange x) {
    if (x.inFlight) {
      x.inFlight = false;
      x.version.metrics().ended();
    }
  }

  private void closeNow(Exchange x) {
    closing = true;
    dropBackend(x);
    ctx.close();
  }

  private void releaseBacklog() {
    HttpObject o;
    while ((o = backlog.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
    Exchange x = exchange;
    exchange = null;
    if (x != null) {
      // The client is gone mid-exchange: the backend connection is mid-message too, so close it.
      dropBackend(x);
      x.releasePending();
      ended(x);
    }
    releaseBacklog();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("client {}: {}; closing", clientAddress, cause.toString());
    ctx.close();
  }
}
