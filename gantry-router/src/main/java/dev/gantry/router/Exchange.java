package dev.gantry.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
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
  final CharSequence requestId;
  /** When the request head arrived, on the event loop's clock ({@code ticker().nanoTime()}). */
  final long startNanos;
  final HttpVersion clientVersion;
  final boolean keepAlive;
  final boolean head;
  /** GET and HEAD: the only methods retried, once, after a failed connect. */
  final boolean idempotent;

  /** The client sent {@code Expect: 100-continue} and waits for a 100 before sending its body. */
  boolean expectContinue;
  VersionRoute version;
  /** Counted in the version's in-flight requests and not yet taken off (see FrontendHandler#ended). */
  boolean inFlight;
  Backend target;
  int attempts;

  Channel backend;
  BackendHandler backendHandler;
  boolean reused;
  /**
   * Request parts not yet written to the backend: the head until {@link #headForwarded}, and body
   * chunks that arrived in the current read batch (or before the connection was up). Writing them
   * at the end of a batch lets a head and its last chunk go out as one message and one buffer.
   */
  private HttpContent pendingFirst;
  private ArrayDeque<HttpContent> pendingMore;
  boolean headForwarded;

  boolean requestReceived;
  boolean requestForwarded;
  boolean bodySeen;
  /** No backend takes the rest of the request body: chunks are dropped until the last one. */
  boolean discarding;
  /** Body chunks written to the backend whose flush has not completed: no more is read until it has. */
  int backendFlushesInFlight;

  boolean skippingInterim;
  /** A response head held until its first chunk arrives or the batch ends (to be sent with it). */
  HttpResponse pendingResponseHead;
  boolean responseHeadSent;
  boolean responseDone;
  boolean backendKeepAlive;
  boolean keepAliveToClient;
  /** The last response body chunk written in the current backend batch, when one is not the last. */
  ChannelFuture responseChunkWritten;
  boolean clientUnflushed;
  int status;
  /** Completes when the response has been written: only tracked when the connection closes after it. */
  ChannelFuture closeAfter;

  Exchange(HttpRequest request, CharSequence requestId, long startNanos) {
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

  void addPending(HttpContent c) {
    if (pendingFirst == null) {
      pendingFirst = c;
    } else {
      if (pendingMore == null) {
        pendingMore = new ArrayDeque<>(4);
      }
      pendingMore.add(c);
    }
  }

  HttpContent peekPending() {
    return pendingFirst;
  }

  boolean hasMorePending() {
    return pendingMore != null && !pendingMore.isEmpty();
  }

  HttpContent pollPending() {
    HttpContent c = pendingFirst;
    pendingFirst = pendingMore == null ? null : pendingMore.poll();
    return c;
  }

  void releasePending() {
    HttpContent c;
    while ((c = pollPending()) != null) {
      c.release();
    }
  }
}
