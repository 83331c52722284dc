package dev.gantry.router;

import dev.gantry.core.deploy.TrafficRouter.RouteTable;
import dev.gantry.core.deploy.TrafficRouter.VersionStats;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A standalone router for benchmarks: one service, routed for any host and every path (prefix
 * {@code /}), to a fixed list of backends.
 *
 * <pre>
 * java -cp ... dev.gantry.router.RouterMain 19004 127.0.0.1:19001 [host:port...]
 * </pre>
 *
 * <p>System properties: {@code gantry.router.threads} (event loops, default 1),
 * {@code gantry.router.bind} (default 127.0.0.1), {@code gantry.router.epoll} (default true).
 *
 * <p>Switch benchmark: with {@code gantry.router.v2=host:port[,host:port...]} the backends given as
 * arguments are version {@code v1}, these are {@code v2}, and after {@code gantry.router.switchDelayMs}
 * (default 3000) the stable version flips between them {@code gantry.router.switches} times (default
 * 20), every {@code gantry.router.switchIntervalMs} (default 250); then both versions' counters are
 * printed. Run a load generator meanwhile and count its failures.
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
    List<String> v1 = List.copyOf(Arrays.asList(args).subList(1, args.length));
    String v2Property = System.getProperty("gantry.router.v2", "");
    List<String> v2 = v2Property.isBlank() ? List.of() : List.of(v2Property.split(","));
    int threads = Integer.getInteger("gantry.router.threads", 1);
    String bind = System.getProperty("gantry.router.bind", "127.0.0.1");
    boolean epoll = Boolean.parseBoolean(System.getProperty("gantry.router.epoll", "true"));
    NettyTrafficRouter router = new NettyTrafficRouter(bind, port, threads,
        NettyTrafficRouter.Options.defaults().withNativeTransport(epoll)).start();
    router.apply(table("v1", v1, v2));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (!v2.isEmpty()) {
        printStats(router, "at exit");
      }
      router.close();
    }, "gantry-router-shutdown"));
    System.out.println("gantry router on " + router.address() + " (" + router.transportName() + ", " + threads
        + " event loop" + (threads == 1 ? "" : "s") + ") -> v1 " + v1 + (v2.isEmpty() ? "" : ", v2 " + v2));
    if (!v2.isEmpty()) {
      switchBackAndForth(router, v1, v2);
    }
    // Event loop threads are daemons: the main thread keeps the JVM up until it is signalled.
    Thread.currentThread().join();
  }

  private static void switchBackAndForth(NettyTrafficRouter router, List<String> v1, List<String> v2)
      throws InterruptedException {
    int switches = Integer.getInteger("gantry.router.switches", 20);
    long interval = Long.getLong("gantry.router.switchIntervalMs", 250);
    Thread.sleep(Long.getLong("gantry.router.switchDelayMs", 3000));
    String stable = "v1";
    for (int i = 1; i <= switches; i++) {
      stable = stable.equals("v1") ? "v2" : "v1";
      router.apply(table(stable, v1, v2));
      System.out.println("switch " + i + ": stable " + stable);
      Thread.sleep(interval);
    }
    printStats(router, "after the switches");
  }

  private static void printStats(NettyTrafficRouter router, String when) {
    for (String version : List.of("v1", "v2")) {
      VersionStats s = router.stats("bench", version);
      System.out.printf("%s %s: %d requests, %d 5xx, p50 %d us, p99 %d us%n", version, when, s.requests(),
          s.errors5xx(), s.quantileMicros(0.5), s.quantileMicros(0.99));
    }
  }

  private static RouteTable table(String stable, List<String> v1, List<String> v2) {
    Map<String, List<String>> backends = v2.isEmpty() ? Map.of("v1", v1) : Map.of("v1", v1, "v2", v2);
    int canaryWeight = Integer.getInteger("gantry.router.canaryWeight", -1);
    if (canaryWeight >= 0 && v2.isEmpty()) {
      // The canary benchmark: the same backends as a second version "c", split by cohort rules and weight,
      // to measure what the split costs per request (user id header, cookie and listed users checked).
      return new RouteTable("bench", null, "/", stable, null, Map.of("v1", v1, "c", v1), Map.of("v1", "1", "c", "c"),
          new dev.gantry.core.deploy.TrafficRouter.Canary("c", canaryWeight, "bench", "X-User-Id", "uid",
              List.of("desk-7"), "X-Beta", "1", "beta", "yes"));
    }
    return new RouteTable("bench", null, "/", stable, null, backends, Map.of("v1", "1", "v2", "2"));
  }
}
