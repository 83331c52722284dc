package dev.gantry.router;

import dev.gantry.core.deploy.TrafficRouter.RouteTable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A standalone router for benchmarks: one service, routed for any host and every path, to a fixed
 * list of backends.
 *
 * <pre>
 * java -Dgantry.router.threads=1 -cp ... dev.gantry.router.RouterMain 19004 127.0.0.1:19001 [host:port...]
 * </pre>
 *
 * <p>System properties: {@code gantry.router.threads} (event loops, default 1), {@code gantry.router.bind}
 * (default 127.0.0.1), {@code gantry.router.epoll} (default true).
 */
public final class RouterMain {
  private RouterMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: RouterMain <port> <backend host:port> [backend host:port...]");
      System.exit(2);
    }
    int port;
    try {
      port = Integer.parseInt(args[0]);
    } catch (NumberFormatException e) {
      System.err.println("port: '" + args[0] + "' (expected: a number 0..65535)");
      System.exit(2);
      return;
    }
    List<String> backends = List.copyOf(Arrays.asList(args).subList(1, args.length));
    int threads = Integer.getInteger("gantry.router.threads", 1);
    String bind = System.getProperty("gantry.router.bind", "127.0.0.1");
    boolean epoll = Boolean.parseBoolean(System.getProperty("gantry.router.epoll", "true"));
    NettyTrafficRouter router = new NettyTrafficRouter(bind, port, threads,
        NettyTrafficRouter.Options.defaults().withNativeTransport(epoll)).start();
    router.apply(new RouteTable("bench", null, "/", "v1", null, Map.of("v1", backends), Map.of("v1", "1")));
    Runtime.getRuntime().addShutdownHook(new Thread(router::close, "gantry-router-shutdown"));
    System.out.println("gantry router on " + router.address() + " (" + router.transportName() + ", " + threads
        + " event loop" + (threads == 1 ? "" : "s") + ") -> " + backends);
    // Event loop threads are daemons: the main thread keeps the JVM up until it is signalled.
    Thread.currentThread().join();
  }
}
