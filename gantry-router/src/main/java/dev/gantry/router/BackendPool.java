package dev.gantry.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Idle keep-alive connections to backends, per {@code host:port}, for one event loop.
 *
 * <p>Threading: one pool per event loop, used only from that loop (client channel, backend channels
 * and the eviction task all run there), so plain collections suffice.
 *
 * <p>Idle connections are reused last-in first-out: the busiest connections stay warm and surplus
 * ones age out through {@link #evictIdle}. An idle connection keeps one read armed so a backend
 * closing it is noticed at once and it leaves the pool before anyone picks it.
 */
final class BackendPool {
  private record Idle(BackendHandler handler, long sinceNanos) {
    Channel channel() {
      return handler.channel();
    }
  }

  private final BackendConnector connector;
  private final int maxIdlePerBackend;
  private final long idleTimeoutNanos;
  // Keyed by host:port (its String hash is cached): a new route table makes new Backend objects, and
  // its connections must still find the pooled ones.
  private final Map<String, ArrayDeque<Idle>> idle = new HashMap<>();

  BackendPool(BackendConnector connector, int maxIdlePerBackend, long idleTimeoutNanos) {
    this.connector = connector;
    this.maxIdlePerBackend = maxIdlePerBackend;
    this.idleTimeoutNanos = idleTimeoutNanos;
  }

  /** An open idle connection to {@code backend} (its handler), or null. */
  BackendHandler acquire(Backend backend) {
    ArrayDeque<Idle> q = idle.get(backend.hostPort());
    if (q == null) {
      return null;
    }
    Idle i;
    while ((i = q.pollLast()) != null) {
      if (i.channel().isActive()) {
        return i.handler();
      }
      i.channel().close();
    }
    return null;
  }

  /** Opens a new connection; it leaves the pool's books when it closes. */
  ChannelFuture connect(Backend backend) {
    ChannelFuture f = connector.connect(backend, new BackendHandler());
    Channel ch = f.channel();
    ch.closeFuture().addListener(closed -> forget(backend, ch));
    return f;
  }

  /** Takes back a connection that finished an exchange cleanly (or never started one). */
  void release(Backend backend, BackendHandler handler, long nowNanos) {
    Channel ch = handler.channel();
    if (!ch.isActive()) {
      return;
    }
    ArrayDeque<Idle> q = idle.computeIfAbsent(backend.hostPort(), b -> new ArrayDeque<>());
    if (q.size() >= maxIdlePerBackend) {
      ch.close();
      return;
    }
    q.addLast(new Idle(handler, nowNanos));
    // One read stays armed while idle: a close from the backend is seen before the connection is reused.
    handler.requestRead();
  }

  /** Number of idle connections to a backend (for tests). */
  int idleCount(Backend backend) {
    ArrayDeque<Idle> q = idle.get(backend.hostPort());
    return q == null ? 0 : q.size();
  }

  /**
   * Closes connections idle longer than the idle timeout; run periodically on the pool's loop.
   * {@code now} and the idle times are readings of the loop's clock ({@code ticker()}).
   */
  void evictIdle(long now) {
    for (Iterator<ArrayDeque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
      ArrayDeque<Idle> q = it.next();
      // Oldest first: the deque is filled at the tail.
      while (!q.isEmpty() && now - q.peekFirst().sinceNanos() > idleTimeoutNanos) {
        q.pollFirst().channel().close();
      }
      if (q.isEmpty()) {
        it.remove();
      }
    }
  }

  private void forget(Backend backend, Channel ch) {
    ArrayDeque<Idle> q = idle.get(backend.hostPort());
    if (q != null) {
      q.removeIf(i -> i.channel() == ch);
    }
  }
}
