package dev.gantry.router;

import dev.gantry.core.deploy.TrafficRouter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane: a Netty HTTP/1.1 reverse proxy that routes each request to an instance of the
 * stable (or preview) version of a service, measures it per version and sees who sent it.
 *
 * <pre>
 *  client ──▶ HttpServerCodec ──▶ FrontendHandler ──── one volatile read ───▶ RouteSnapshot
 *                                  │  Host header, else longest /prefix/    → service
 *                                  │  X-Gantry-Preview: 1 or /~preview/     → preview, else stable version
 *                                  │  round-robin over the version's instances → host:port
 *                                  ▼
 *                                 BackendPool (one per event loop)
 *                                  │  idle keep-alive connection, or connect
 *                                  │  (failed connect: GET/HEAD once more on another instance)
 *                                  ▼
 *                                 HttpClientCodec ──▶ backend
 *                                                        │
 *  client ◀── response + X-Gantry-Version/-Serial ◀── BackendHandler ◀── HttpClientCodec
 *                                  │
 *                                  └──▶ VersionMetrics: requests, 5xx, latency histogram, clients
 * </pre>
 *
 * <p>Bodies stream chunk by chunk in both directions with explicit backpressure (no auto-read; the
 * next chunk is read after the previous one was flushed), so uploads and downloads of any size use
 * a few buffers. Each client connection and the backend connections it uses share one event loop:
 * an exchange runs on one thread from start to end.
 *
 * <p>{@link #apply} compiles a table and publishes it with one volatile write. A request reads the
 * routes once, when its head arrives, and keeps the instance it picked; so a switch affects only
 * requests that start after it, and fails none.
 *
 * <p>The router answers by itself, with RFC 9457 problem details: 404 when no service matches, 503
 * when the service has no version or instance for the request, 502 when the backend cannot be
 * connected or fails before responding, 504 when it does not accept the connection or send a
 * response head in time; 400 (414, 431 when too long) for a request that does not parse. Only GET
 * and HEAD are retried, once, after a failed connect (or a pooled connection found closed on reuse,
 * when they carry no body); nothing else is.
 *
 * <p>Connections are kept alive on both sides. A client connection the router waits on for longer
 * than the idle timeout is closed; idle backend connections are closed by the pool after its own
 * timeout, or when their backend closes them.
 */
public final class NettyTrafficRouter implements TrafficRouter {
  private static final Logger log = LoggerFactory.getLogger(NettyTrafficRouter.class);

  /**
   * Limits and names.
   *
   * @param connectTimeout time to establish a backend connection before a 504
   * @param responseTimeout time from sending a request to receiving the response head before a 504
   * @param clientIdleTimeout a client connection that sends nothing for this long while the router
   *     waits for it (between requests, or in the middle of one) is closed
   * @param poolIdleTimeout an idle pooled backend connection older than this is closed
   * @param maxIdlePerBackend idle connections kept per backend and event loop; more are closed
   * @param clientIdHeader request header naming the client (counted per version)
   * @param maxClientsPerVersion distinct client ids tracked per version; later ones are not
   * @param nativeTransport use Linux epoll when available (else, or when false, the JDK's NIO)
   */
  public record Options(Duration connectTimeout, Duration responseTimeout, Duration clientIdleTimeout,
      Duration poolIdleTimeout, int maxIdlePerBackend, String clientIdHeader, int maxClientsPerVersion,
      boolean nativeTransport) {

    public Options {
      positive("connectTimeout", connectTimeout);
      positive("responseTimeout", responseTimeout);
      positive("clientIdleTimeout", clientIdleTimeout);
      positive("poolIdleTimeout", poolIdleTimeout);
      if (connectTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("connectTimeout: " + connectTimeout + " (expected: at most "
            + Integer.MAX_VALUE + " ms)");
      }
      if (maxIdlePerBackend < 0) {
        throw new IllegalArgumentException("maxIdlePerBackend: " + maxIdlePerBackend + " (expected: >= 0)");
      }
      if (maxClientsPerVersion < 0) {
        throw new IllegalArgumentException("maxClientsPerVersion: " + maxClientsPerVersion + " (expected: >= 0)");
      }
      if (clientIdHeader == null || clientIdHeader.isEmpty() || !clientIdHeader.chars().allMatch(Options::tchar)) {
        throw new IllegalArgumentException("clientIdHeader: '" + clientIdHeader
            + "' (expected: a header name, letters, digits and !#$%&'*+-.^_`|~)");
      }
    }

    /**
     * Connect 2 s (a loopback or LAN connect takes well under 10 ms; longer means the instance is
     * gone), response 30 s (a common load-balancer default), idle clients closed after 60 s (nginx's
     * {@code client_header_timeout}/{@code client_body_timeout} default), idle pooled connections
     * closed after 60 s (below the 75 s keep-alive nginx uses, so the router usually closes first), up
     * to 128 idle connections per backend and loop (twice nginx's upstream {@code keepalive 64} of the
     * peer benchmark), client id header {@code X-Client-Id}, 10,000 clients per version (a few MB at
     * most), epoll when available.
     */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(60),
          128, "X-Client-Id", 10_000, true);
    }

    public Options withConnectTimeout(Duration d) {
      return new Options(d, responseTimeout, clientIdleTimeout, poolIdleTimeout, maxIdlePerBackend, clientIdHeader,
          maxClientsPerVersion, nativeTransport);
    }

    public Options withResponseTimeout(Duration d) {
      return new Options(connectTimeout, d, clientIdleTimeout, poolIdleTimeout, maxIdlePerBackend, clientIdHeader,
          maxClientsPerVersion, nativeTransport);
    }

    public Options withClientIdleTimeout(Duration d) {
      return new Options(connectTimeout, responseTimeout, d, poolIdleTimeout, maxIdlePerBackend, clientIdHeader,
          maxClientsPerVersion, nativeTransport);
    }

    public Options withPoolIdleTimeout(Duration d) {
      return new Options(connectTimeout, responseTimeout, clientIdleTimeout, d, maxIdlePerBackend, clientIdHeader,
          maxClientsPerVersion, nativeTransport);
    }

    public Options withMaxIdlePerBackend(int n) {
      return new Options(connectTimeout, responseTimeout, clientIdleTimeout, poolIdleTimeout, n, clientIdHeader,
          maxClientsPerVersion, nativeTransport);
    }

    public Options withClientIdHeader(String header) {
      return new Options(connectTimeout, responseTimeout, clientIdleTimeout, poolIdleTimeout, maxIdlePerBackend,
          header, maxClientsPerVersion, nativeTransport);
    }

    public Options withMaxClientsPerVersion(int n) {
      return new Options(connectTimeout, responseTimeout, clientIdleTimeout, poolIdleTimeout, maxIdlePerBackend,
          clientIdHeader, n, nativeTransport);
    }

    public Options withNativeTransport(boolean useNative) {
      return new Options(connectTimeout, responseTimeout, clientIdleTimeout, poolIdleTimeout, maxIdlePerBackend,
          clientIdHeader, maxClientsPerVersion, useNative);
    }

    private static void positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: a positive duration)");
      }
    }

    private static boolean tchar(int c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
  }

  /** Request line up to 8 KiB (long query strings), headers up to 16 KiB (large cookies and tokens). */
  private static final int MAX_INITIAL_LINE = 8 * 1024;
  private static final int MAX_HEADER_SIZE = 16 * 1024;
  /** Body chunks up to 64 KiB: as much as one socket read usually brings, so a chunk is not split again. */
  private static final int MAX_CHUNK_SIZE = 64 * 1024;

  /**
   * Netty's pooled allocator: its per-thread caches make the buffer of every socket read and every
   * encoded head a cache hit on an event loop. Profiled against Netty 4.2's default adaptive
   * allocator on the peer benchmark, buffer allocation took about 10 % of the event loop's CPU
   * instead of 15 %.
   */
  static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

  private final String bindHost;
  private final int requestedPort;
  private final int eventLoopThreads;
  private final Options options;
  private final Transport transport;
  private final RouteRegistry routes;

  // Guarded by "this": start and close are rare, and must not interleave.
  private MultiThreadIoEventLoopGroup group;
  private Channel serverChannel;
  private volatile int boundPort = -1;
  private boolean closed;

  /**
   * A router that will listen on {@code bindHost:port} once {@link #start() started}.
   *
   * @param port the port, or 0 for any free one (see {@link #port()})
   * @param eventLoopThreads threads that carry all connections (client and backend); 1 for benchmarks
   *     against single-threaded peers, the number of cores in production
   */
  public NettyTrafficRouter(String bindHost, int port, int eventLoopThreads, Options options) {
    this(bindHost, port, eventLoopThreads, options, java.time.Clock.systemUTC());
  }

  /**
   * As above, with the clock that dates the clients seen per version: the control plane passes its own, so
   * the last-seen times it compares with leases and retireAfter come from the same time source.
   */
  public NettyTrafficRouter(String bindHost, int port, int eventLoopThreads, Options options, java.time.Clock clock) {
    if (bindHost == null || bindHost.isBlank()) {
      throw new IllegalArgumentException("bindHost: '" + bindHost + "' (expected: a host or address)");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535, 0 for any)");
    }
    if (eventLoopThreads < 1) {
      throw new IllegalArgumentException("eventLoopThreads: " + eventLoopThreads + " (expected: >= 1)");
    }
    if (options == null) {
      throw new IllegalArgumentException("options: null (expected: e.g. Options.defaults())");
    }
    this.bindHost = bindHost;
    this.requestedPort = port;
    this.eventLoopThreads = eventLoopThreads;
    this.options = options;
    this.transport = Transport.select(options.nativeTransport());
    if (clock == null) {
      throw new IllegalArgumentException("clock: null (expected: e.g. Clock.systemUTC())");
    }
    this.routes = new RouteRegistry(options.maxClientsPerVersion(), clock);
  }

  /** Binds the listener; returns this router. */
  public synchronized NettyTrafficRouter start() {
    if (closed) {
      throw new IllegalStateException("router on " + bindHost + ":" + requestedPort + " is closed (expected: a new one)");
    }
    if (group != null) {
      throw new IllegalStateException("router already started on " + address());
    }
    group = new MultiThreadIoEventLoopGroup(eventLoopThreads, new DefaultThreadFactory("gantry-router", true),
        transport.ioHandlerFactory());
    HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_INITIAL_LINE)
        .setMaxHeaderSize(MAX_HEADER_SIZE)
        .setMaxChunkSize(MAX_CHUNK_SIZE)
        .setHeadersFactory(ForwardingHeaders.HEADERS_FACTORY);
    // Written here, read-only afterwards: each loop finds its pool by identity without locking.
    Map<EventLoop, BackendPool> pools = new IdentityHashMap<>();
    long idleNanos = options.poolIdleTimeout().toNanos();
    for (EventExecutor executor : group) {
      EventLoop loop = (EventLoop) executor;
      BackendPool pool = new BackendPool(BackendConnector.sockets(loop, transport,
          (int) options.connectTimeout().toMillis(), decoderConfig), options.maxIdlePerBackend(), idleNanos);
      pools.put(loop, pool);
      long sweep = Math.max(1, idleNanos / 2);
      loop.scheduleAtFixedRate(() -> pool.evictIdle(loop.ticker().nanoTime()), sweep, sweep, TimeUnit.NANOSECONDS);
    }
    Map<EventLoop, BackendPool> poolsByLoop = Collections.unmodifiableMap(pools);
    ProxyContext context = new ProxyContext(routes, AsciiString.of(options.clientIdHeader()),
        options.connectTimeout().toMillis(), options.responseTimeout().toNanos(), options.clientIdleTimeout().toNanos(),
        poolsByLoop::get);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        // Reads are requested by FrontendHandler: backpressure instead of buffering.
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            // Expect: 100-continue is answered by FrontendHandler, once the request is routed.
            ch.pipeline().addLast(new HttpServerCodec(decoderConfig), new FrontendHandler(context));
          }
        });
    try {
      serverChannel = bootstrap.bind(bindHost, requestedPort).sync().channel();
    } catch (Exception e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      group = null;
      throw new IllegalStateException("cannot listen on " + bindHost + ":" + requestedPort + ": " + e, e);
    }
    boundPort = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    log.info("gantry router listening on {} ({}, {} event loop{})", address(), transportName(), eventLoopThreads,
        eventLoopThreads == 1 ? "" : "s");
    return this;
  }

  /** The bound port (useful after binding port 0). */
  public int port() {
    int p = boundPort;
    if (p < 0) {
      throw new IllegalStateException("router on " + bindHost + ":" + requestedPort + " is not started");
    }
    return p;
  }

  /** "epoll" or "nio". */
  public String transportName() {
    return transport.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public void apply(RouteTable table) {
    routes.apply(table);
  }

  @Override
  public void remove(String service) {
    routes.remove(service);
  }

  @Override
  public VersionStats stats(String service, String version) {
    return routes.stats(service, version);
  }

  @Override
  public String address() {
    String host = bindHost.indexOf(':') >= 0 && !bindHost.startsWith("[") ? "[" + bindHost + "]" : bindHost;
    int p = boundPort;
    return host + ":" + (p < 0 ? requestedPort : p);
  }

  /** Stops listening and closes every connection; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (serverChannel != null) {
      serverChannel.close().syncUninterruptibly();
    }
    if (group != null) {
      // No quiet period: closing the group closes every client and backend connection now.
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
