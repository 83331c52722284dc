package dev.gantry.router;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a backend connection: hands the decoded response to the exchange it is bound
 * to. While the connection is idle in the pool it is bound to nothing, and any byte or close from the
 * backend just ends the connection.
 *
 * <p>Threading: the connection lives on the same event loop as the client connection bound to it,
 * so binding needs no synchronization.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  private FrontendHandler frontend;
  private Exchange exchange;
  private int exchanges;

  void bind(FrontendHandler frontend, Exchange exchange) {
    this.frontend = frontend;
    this.exchange = exchange;
    exchanges++;
  }

  void unbind() {
    frontend = null;
    exchange = null;
  }

  /** Whether the connection served an exchange before the one bound now (a pooled connection). */
  boolean reused() {
    return exchanges > 1;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Exchange x = exchange;
    if (x == null) {
      // Nothing was asked: an idle backend must not talk. Drop the connection rather than guess.
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    frontend.onBackendMessage(x, ctx.channel(), msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange x = exchange;
    if (x != null) {
      frontend.onBackendReadComplete(x, ctx.channel());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange x = exchange;
    if (x != null) {
      frontend.onBackendFailure(x, ctx.channel(), "the connection closed");
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Exchange x = exchange;
    if (x != null) {
      frontend.onBackendFailure(x, ctx.channel(), String.valueOf(cause));
    }
    ctx.close();
  }
}
