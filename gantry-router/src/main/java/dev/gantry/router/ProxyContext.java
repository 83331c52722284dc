package dev.gantry.router;

import io.netty.channel.EventLoop;
import io.netty.util.AsciiString;
import java.util.function.Function;

/**
 * What every client connection's handler shares: the routes, the limits, and the way to the backend
 * pool of the connection's event loop.
 */
record ProxyContext(RouteRegistry routes, AsciiString clientIdHeader, long connectTimeoutMillis,
    long responseTimeoutNanos, long clientIdleTimeoutNanos, Function<EventLoop, BackendPool> pools) {

  BackendPool pool(EventLoop loop) {
    BackendPool pool = pools.apply(loop);
    if (pool == null) {
      throw new IllegalStateException("event loop " + loop + " has no backend pool (expected: a loop of this router)");
    }
    return pool;
  }
}
