package dev.gantry.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;

/**
 * The state of one request/response exchange on a client connection. Mutable, and confined to the
 * client connection's event loop: every field is read and written only there.
 *
 * <p>Two sides finish independently: the request side when the client's last chunk arrived
 * ({@link #requestReceived}), the response side when the last chunk went to the client
 * ({@link #responseDone}). The exchange ends when both did.
 */
final class Exchange {
  final HttpRequest request;
  final String originalUri;
  final String requestId;
  final long startNanos;
  final HttpVersion clientVersion;
  final boolean keepAlive;
  final boolean head;
  /** GET and HEAD: the only methods retried, once, after a failed connect. */
  final boolean idempotent;

  VersionRoute version;
  Backend target;
  int attempts;

  Channel backend;
  BackendHandler backendHandler;
  boolean reused;
  /** Request chunks that arrived before the backend connection was up. */
  private ArrayDeque<HttpContent> pending;

  boolean requestReceived;
  boolean requestForwarded;
  boolean bodySeen;
  /** No backend takes the rest of the request body: chunks are dropped until the last one. */
  boolean discarding;
  boolean backendUnflushed;
  int backendFlushesInFlight;
  ChannelFuture lastBackendWrite;
  ScheduledFuture<?> responseTimeout;

  boolean skippingInterim;
  boolean responseHeadSent;
  boolean responseDone;
  boolean backendKeepAlive;
  boolean keepAliveToClient;
  boolean clientUnflushed;
  int status;
  ChannelFuture lastResponseWrite;

  Exchange(HttpRequest request, String requestId, long startNanos) {
    this.request = request;
    this.originalUri = request.uri();
    this.requestId = requestId;
    this.startNanos = startNanos;
    this.clientVersion = request.protocolVersion();
    this.keepAlive = HttpUtil.isKeepAlive(request);
    HttpMethod method = request.method();
    this.head = HttpMethod.HEAD.equals(method);
    this.idempotent = head || HttpMethod.GET.equals(method);
  }

  ArrayDeque<HttpContent> pending() {
    if (pending == null) {
      pending = new ArrayDeque<>(4);
    }
    return pending;
  }

  HttpContent pollPending() {
    return pending == null ? null : pending.poll();
  }

  void releasePending() {
    HttpContent c;
    while ((c = pollPending()) != null) {
      c.release();
    }
  }

  void cancelResponseTimeout() {
    if (responseTimeout != null) {
      responseTimeout.cancel(false);
      responseTimeout = null;
    }
  }
}
