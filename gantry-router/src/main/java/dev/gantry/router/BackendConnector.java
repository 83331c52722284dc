package dev.gantry.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * Opens a connection to a backend whose pipeline ends with the given handler. A seam so handler
 * tests can put an {@code EmbeddedChannel} where a socket would be.
 */
@FunctionalInterface
interface BackendConnector {

  /** Starts connecting; the future completes when the connection is up (or failed). */
  ChannelFuture connect(Backend backend, BackendHandler handler);

  /**
   * Real connections from one event loop: the backend channel is registered on the same loop as the
   * client channels that use it, so the two sides of an exchange never need a lock or a hand-off.
   *
   * <p>The channel is put together by hand rather than by a {@code Bootstrap}: a backend that closes
   * its connections every few hundred requests (nginx's default {@code keepalive_requests} is 1000)
   * makes connecting a steady cost, and cloning a bootstrap per connection showed in profiles.
   * Addresses arrive resolved (see {@link Backend}), so no resolver runs on the loop.
   */
  static BackendConnector sockets(EventLoop loop, Transport transport, int connectTimeoutMillis,
      HttpDecoderConfig decoderConfig) {
    return (backend, handler) -> {
      Channel ch = transport.newSocketChannel();
      ChannelConfig config = ch.config();
      config.setConnectTimeoutMillis(connectTimeoutMillis);
      // Reads are requested explicitly: the next chunk only after the previous one was flushed.
      config.setAutoRead(false);
      config.setAllocator(NettyTrafficRouter.ALLOCATOR);
      config.setOption(ChannelOption.TCP_NODELAY, true);
      // failOnMissingResponse=false: a close without a response is reported by BackendHandler.
      ch.pipeline().addLast(new HttpClientCodec(decoderConfig, false, false), handler);
      ChannelPromise connected = ch.newPromise();
      loop.register(ch).addListener((ChannelFutureListener) registered -> {
        if (registered.isSuccess()) {
          ch.connect(backend.address(), connected);
        } else {
          ch.unsafe().closeForcibly();
          connected.setFailure(registered.cause());
        }
      });
      return connected;
    };
  }
}
