package dev.gantry.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.resolver.NoopAddressResolverGroup;

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
   */
  static BackendConnector sockets(EventLoop loop, Transport transport, int connectTimeoutMillis,
      HttpDecoderConfig decoderConfig) {
    Bootstrap template = new Bootstrap()
        .group(loop)
        .channel(transport.socketChannel())
        // Addresses are resolved when a route table is applied; never block an event loop on DNS.
        .resolver(NoopAddressResolverGroup.INSTANCE)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        // Reads are requested explicitly: the next chunk only after the previous one was flushed.
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true);
    return (backend, handler) -> template.clone()
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            // failOnMissingResponse=false: a close without a response is reported by BackendHandler.
            ch.pipeline().addLast(new HttpClientCodec(decoderConfig, false, false), handler);
          }
        })
        .connect(backend.address());
  }
}
