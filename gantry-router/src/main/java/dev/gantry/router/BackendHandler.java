package dev.gantry.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The last handler of a backend connection: hands the decoded response to the exchange it is bound
 * to, and watches the response timeout. While the connection is idle in the pool it is bound to
 * nothing, and any byte or close from the backend just ends the connection.
 *
 * <p>Threading: the connection lives on the same event loop as the client connection bound to it,
 * so binding needs no synchronization.
 *
 * <p>The response timeout costs one clock read per request, not a timer: a request only moves the
 * deadline, and one timer per connection (as in Netty's {@code IdleStateHandler}) wakes up, finds
 * the current deadline and either fires or sleeps until it.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  private ChannelHandlerContext ctx;
  private FrontendHandler frontend;
  private Exchange exchange;
  private int exchanges;
  private boolean awaitingResponse;
  /**
   * A read was requested and no batch has been delivered since. Netty keeps one requested read until
   * data comes; asking again costs a walk through the pipeline on every request. Cleared when a
   * batch delivers a message; a batch that decodes nothing is re-armed by the decoder itself.
   */
  private boolean readArmed;
  private long deadlineNanos;
  private ScheduledFuture<?> timer;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  void bind(FrontendHandler frontend, Exchange exchange) {
    this.frontend = frontend;
    this.exchange = exchange;
    exchanges++;
  }

  void unbind() {
    frontend = null;
    exchange = null;
    awaitingResponse = false;
  }

  Channel channel() {
    return ctx.channel();
  }

  /** Arms one read on the connection unless one is armed already. */
  void requestRead() {
    if (!readArmed) {
      readArmed = true;
      ctx.read();
    }
  }

  /** Whether the connection served an exchange before the one bound now (a pooled connection). */
  boolean reused() {
    return exchanges > 1;
  }

  /** The bound exchange's response head is due within {@code timeoutNanos} from now. */
  void armResponseTimeout(long timeoutNanos) {
    awaitingResponse = true;
    deadlineNanos = ctx.executor().ticker().nanoTime() + timeoutNanos;
    if (timer == null) {
      timer = ctx.executor().schedule(this::checkResponseTimeout, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  void disarmResponseTimeout() {
    awaitingResponse = false;
  }

  private void checkResponseTimeout() {
    timer = null;
    Exchange x = exchange;
    if (!awaitingResponse || x == null) {
      return; // the next armResponseTimeout schedules again
    }
    long left = deadlineNanos - ctx.executor().ticker().nanoTime();
    if (left > 0) {
      timer = ctx.executor().schedule(this::checkResponseTimeout, left, TimeUnit.NANOSECONDS);
      return;
    }
    awaitingResponse = false;
    frontend.onResponseTimeout(x, ctx.channel());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    readArmed = false;
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
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
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
