package dev.gantry.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
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
 * <p>Backpressure, as in Netty's HexDumpProxy: the channels do not auto-read. The next request chunk
 * is read only after the previous ones were flushed to the backend, and the next response chunk only
 * after the previous ones were flushed to the client, so a slow reader on either side stops the
 * other side's reads instead of growing a buffer. Between exchanges and while waiting for a
 * response one read stays armed, which notices a client that closes (and keeps epoll from
 * re-registering interest on every request).
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
  /** An incoming request id longer than this is replaced: ids are correlation keys, not payloads. */
  private static final int MAX_REQUEST_ID_LENGTH = 200;

  private final ProxyContext context;
  private ChannelHandlerContext ctx;
  private BackendPool pool;
  private String clientAddress = "unknown";

  /** The exchange in progress, or null between requests. */
  private Exchange exchange;
  /** Messages of pipelined requests that arrived while an exchange was in progress, in order. */
  private final ArrayDeque<HttpObject> backlog = new ArrayDeque<>(2);
  private boolean draining;
  /** Set once the connection is going away: nothing more is read or started. */
  private boolean closing;

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
    pool = context.pool(ctx.channel().eventLoop());
    ctx.read();
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
    Exchange x = exchange;
    if (x != null && x.backendUnflushed && x.backend != null) {
      flushToBackend(x);
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
    String requestId = h.get(ForwardingHeaders.X_REQUEST_ID);
    if (requestId == null || requestId.isBlank() || requestId.length() > MAX_REQUEST_ID_LENGTH) {
      requestId = ForwardingHeaders.newRequestId();
    }
    Exchange x = new Exchange(request, requestId, System.nanoTime());
    exchange = x;
    if (request.decoderResult().isFailure()) {
      // The decoder discards the rest of the connection's input: answer, then close.
      x.requestReceived = true;
      respondLocal(x, HttpResponseStatus.BAD_REQUEST, Problems.BAD_REQUEST,
          "the request could not be parsed: " + request.decoderResult().cause().getMessage(), false);
      return;
    }
    String preview = h.get(ForwardingHeaders.X_GANTRY_PREVIEW);
    RouteSelection selection = context.routes().current()
        .select(h.get(HttpHeaderNames.HOST), request.uri(), preview != null && preview.trim().equals("1"));
    switch (selection) {
      case RouteSelection.NoRoute n ->
          respondLocal(x, HttpResponseStatus.NOT_FOUND, Problems.ROUTE_NOT_FOUND, n.detail(), x.keepAlive);
      case RouteSelection.NoVersion n ->
          respondLocal(x, HttpResponseStatus.SERVICE_UNAVAILABLE, Problems.VERSION_UNAVAILABLE, n.detail(),
              x.keepAlive);
      case RouteSelection.Routed r -> forward(x, r);
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

  private void forward(Exchange x, RouteSelection.Routed routed) {
    VersionRoute version = routed.version();
    x.version = version;
    String clientId = x.request.headers().get(context.clientIdHeader());
    if (clientId != null && !clientId.isEmpty()) {
      version.metrics().recordClient(clientId);
    }
    ForwardingHeaders.prepareRequest(x.request, routed.uri(), clientAddress, x.requestId);
    x.target = version.next();
    acquireBackend(x, false);
  }

  private void onRequestContent(Exchange x, HttpContent c) {
    if (c.decoderResult().isFailure()) {
      String reason = String.valueOf(c.decoderResult().cause());
      c.release();
      x.requestReceived = true;
      if (x.responseHeadSent) {
        closeNow(x);
      } else {
        detachBackend(x, false);
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
    }
    if (x.discarding) {
      c.release();
      if (last && x.responseDone) {
        finishExchange(x);
      }
      return;
    }
    if (x.backend == null) {
      x.pending().add(c); // still connecting: written when the connection is up
      return;
    }
    x.lastBackendWrite = x.backend.write(c);
    x.backendUnflushed = true;
    if (last) {
      x.requestForwarded = true;
    }
  }

  /**
   * Arms one read when the connection may take more input: between exchanges, while waiting for a
   * response, while dropping an answered request's body, or when the request chunks read so far are
   * flushed to the backend. Never while pipelined requests wait: they bound what is buffered.
   */
  private void updateReadInterest() {
    if (closing || !backlog.isEmpty()) {
      return;
    }
    Exchange x = exchange;
    if (x == null || x.requestReceived || x.discarding
        || (x.backend != null && x.backendFlushesInFlight == 0 && !x.backendUnflushed)) {
      ctx.read();
    }
  }

  // ------------------------------------------------------------------ router → backend

  private void acquireBackend(Exchange x, boolean fresh) {
    Channel pooled = fresh ? null : pool.acquire(x.target);
    if (pooled != null) {
      attach(x, pooled);
      return;
    }
    pool.connect(x.target).addListener((ChannelFutureListener) f -> onConnected(x, f));
  }

  private void onConnected(Exchange x, ChannelFuture f) {
    if (x != exchange || x.responseDone) {
      // The client left, or was answered, while we connected: keep the clean connection for later.
      if (f.isSuccess()) {
        pool.release(x.target, f.channel());
      }
      return;
    }
    if (f.isSuccess()) {
      attach(x, f.channel());
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
        acquireBackend(x, false);
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

  private void attach(Exchange x, Channel ch) {
    BackendHandler handler = ch.pipeline().get(BackendHandler.class);
    handler.bind(this, x);
    x.backend = ch;
    x.backendHandler = handler;
    x.reused = handler.reused();
    ChannelFuture last = ch.write(x.request);
    HttpContent c;
    while ((c = x.pollPending()) != null) {
      last = ch.write(c);
      if (c instanceof LastHttpContent) {
        x.requestForwarded = true;
      }
    }
    x.lastBackendWrite = last;
    x.responseTimeout = ch.eventLoop().schedule(() -> onResponseTimeout(x, ch), context.responseTimeoutNanos(),
        TimeUnit.NANOSECONDS);
    flushToBackend(x);
    if (x.backend == ch) {
      ch.read();
    }
  }

  private void flushToBackend(Exchange x) {
    Channel ch = x.backend;
    ChannelFuture written = x.lastBackendWrite;
    x.backendUnflushed = false;
    x.backendFlushesInFlight++;
    ch.flush();
    written.addListener(f -> onBackendFlushed(x, ch, (ChannelFuture) f));
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
    updateReadInterest();
  }

  private void onResponseTimeout(Exchange x, Channel ch) {
    if (x != exchange || x.backend != ch || x.responseHeadSent) {
      return;
    }
    x.responseTimeout = null;
    detachBackend(x, false);
    x.releasePending();
    respondLocal(x, HttpResponseStatus.GATEWAY_TIMEOUT, Problems.BACKEND_TIMEOUT, "backend " + x.target + " of "
        + x.version + " sent no response within "
        + TimeUnit.NANOSECONDS.toMillis(context.responseTimeoutNanos()) + " ms", x.keepAlive);
  }

  /**
   * Takes a backend connection off the exchange: back to the pool when it finished cleanly, closed
   * otherwise (a half-sent request or half-read response leaves it in an unknown state).
   */
  private void detachBackend(Exchange x, boolean reusable) {
    Channel ch = x.backend;
    if (ch == null) {
      return;
    }
    x.cancelResponseTimeout();
    x.backendHandler.unbind();
    x.backend = null;
    x.backendHandler = null;
    if (reusable) {
      if (x.backendUnflushed) {
        ch.flush();
      }
      pool.release(x.target, ch);
    } else {
      ch.close();
    }
    x.backendUnflushed = false;
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
    x.cancelResponseTimeout();
    x.backendKeepAlive = HttpUtil.isKeepAlive(response);
    x.status = status;
    ForwardingHeaders.prepareResponse(response, x.version, x.requestId);
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
    HttpUtil.setKeepAlive(response, keepAlive);
    x.responseHeadSent = true;
    x.lastResponseWrite = ctx.write(response);
    x.clientUnflushed = true;
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
    x.lastResponseWrite = ctx.write(content);
    x.clientUnflushed = true;
    if (content instanceof LastHttpContent) {
      onResponseComplete(x);
    }
  }

  private void onResponseComplete(Exchange x) {
    x.responseDone = true;
    x.clientUnflushed = false;
    ChannelFuture written = x.lastResponseWrite;
    ctx.flush();
    written.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    x.version.metrics().record(x.status, System.nanoTime() - x.startNanos);
    // Reusable only when both messages were complete: a backend that answered before reading the
    // whole request still expects (or discards) the rest of it.
    boolean reusable = x.backendKeepAlive && x.requestForwarded && x.backend.isActive();
    detachBackend(x, reusable);
    if (x.requestReceived) {
      finishExchange(x);
    } else {
      x.discarding = true;
      updateReadInterest();
    }
  }

  /** End of a backend read batch: flush what it produced, and read more once the client took it. */
  void onBackendReadComplete(Exchange x, Channel ch) {
    if (x != exchange || x.backend != ch || x.responseDone) {
      return;
    }
    if (!x.clientUnflushed) {
      ch.read();
      return;
    }
    x.clientUnflushed = false;
    ChannelFuture written = x.lastResponseWrite;
    ctx.flush();
    written.addListener(f -> {
      if (!f.isSuccess()) {
        ctx.close();
      } else if (x.backend == ch && !x.responseDone) {
        ch.read();
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
    detachBackend(x, false);
    if (x.responseHeadSent) {
      log.debug("{} {}: backend {} failed mid-response ({}); closing the client connection",
          x.request.method(), x.originalUri, x.target, reason);
      x.version.metrics().record(HttpResponseStatus.BAD_GATEWAY.code(), System.nanoTime() - x.startNanos);
      closeNow(x);
      return;
    }
    if (staleRetry) {
      x.attempts++;
      x.requestForwarded = false;
      x.skippingInterim = false;
      x.pending().add(LastHttpContent.EMPTY_LAST_CONTENT);
      acquireBackend(x, true);
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
    FullHttpResponse response = Problems.response(x.clientVersion, status, code, detail, x.originalUri, x.requestId);
    HttpUtil.setKeepAlive(response, keepAlive);
    if (x.version != null) {
      response.headers().set(ForwardingHeaders.X_GANTRY_VERSION, x.version.version());
      if (x.version.serial() != null) {
        response.headers().set(ForwardingHeaders.X_GANTRY_SERIAL, x.version.serial());
      }
    }
    x.keepAliveToClient = keepAlive;
    x.status = status.code();
    x.responseHeadSent = true;
    x.responseDone = true;
    x.discarding = true;
    x.lastResponseWrite = ctx.writeAndFlush(response);
    x.lastResponseWrite.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    if (x.version != null) {
      x.version.metrics().record(x.status, System.nanoTime() - x.startNanos);
    }
    if (x.requestReceived) {
      finishExchange(x);
    } else {
      updateReadInterest();
    }
  }

  /** Both sides are done: close, or go on with the next (pipelined or future) request. */
  private void finishExchange(Exchange x) {
    exchange = null;
    x.cancelResponseTimeout();
    if (!x.keepAliveToClient) {
      closing = true;
      releaseBacklog();
      x.lastResponseWrite.addListener(ChannelFutureListener.CLOSE);
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
    if (x != null && x.backendUnflushed && x.backend != null) {
      flushToBackend(x);
    }
    updateReadInterest();
  }

  private void closeNow(Exchange x) {
    closing = true;
    detachBackend(x, false);
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
    Exchange x = exchange;
    exchange = null;
    if (x != null) {
      // The client is gone mid-exchange: the backend connection is mid-message too, so close it.
      detachBackend(x, false);
      x.releasePending();
      x.cancelResponseTimeout();
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
