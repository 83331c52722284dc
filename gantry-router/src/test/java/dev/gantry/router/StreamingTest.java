package dev.gantry.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.deploy.TrafficRouter.RouteTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 50 MB in each direction through the router. Each transfer pauses after its first MiB until the
 * far side confirms it received half of that MiB: a router that aggregated bodies would hold the first MiB
 * back, and the transfer would never complete.
 */
class StreamingTest {
  private static final int SIZE = 50 * 1024 * 1024;
  private static final int GATE = 1024 * 1024;
  /**
   * The far side confirms at half the gate: the JDK's HTTP client and server may read ahead or hold
   * back a buffer or two, but not half a MiB; a router that aggregates holds back all 50 MB.
   */
  private static final int CONFIRM = GATE / 2;
  private static final byte[] BLOCK = new byte[64 * 1024];

  static {
    new Random(42).nextBytes(BLOCK);
  }

  private final CountDownLatch firstMebibyteArrived = new CountDownLatch(1);
  private TestBackend backend;
  private NettyTrafficRouter router;
  private HttpClient http;

  @BeforeEach
  void setUp() {
    backend = TestBackend.start("stream", exchange -> {
      if (exchange.getRequestMethod().equals("POST")) {
        MessageDigest sha = sha256();
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = exchange.getRequestBody()) {
          for (int r; (r = in.read(buf)) > 0; ) {
            sha.update(buf, 0, r);
            n += r;
            if (n >= CONFIRM) {
              firstMebibyteArrived.countDown();
            }
          }
        }
        byte[] answer = (n + " " + HexFormat.of().formatHex(sha.digest())).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer);
        }
      } else {
        exchange.sendResponseHeaders(200, 0); // chunked: no length known to the router up front
        try (OutputStream out = exchange.getResponseBody()) {
          long sent = 0;
          while (sent < SIZE) {
            out.write(BLOCK);
            sent += BLOCK.length;
            if (sent == GATE) {
              out.flush();
              await(firstMebibyteArrived);
            }
          }
        }
      }
    });
    router = new NettyTrafficRouter("127.0.0.1", 0, 1, NettyTrafficRouter.Options.defaults()).start();
    router.apply(new RouteTable("files", null, "files", "v1", null, Map.of("v1", List.of(backend.hostPort())),
        Map.of()));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterEach
  void tearDown() {
    firstMebibyteArrived.countDown();
    http.close();
    router.close();
    backend.close();
  }

  @Test
  void largeUploadStreamsThroughTheRouter() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + router.address() + "/files/upload"))
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofInputStream(GatedBody::new))
        .build();

    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(SIZE + " " + expectedDigest());
  }

  @Test
  void largeDownloadStreamsThroughTheRouter() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + router.address() + "/files/download"))
        .timeout(Duration.ofSeconds(60))
        .build();

    HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
    MessageDigest sha = sha256();
    long n = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = response.body()) {
      for (int r; (r = in.read(buf)) > 0; ) {
        sha.update(buf, 0, r);
        n += r;
        if (n >= CONFIRM) {
          firstMebibyteArrived.countDown();
        }
      }
    }
    assertThat(n).isEqualTo(SIZE);
    assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(expectedDigest());
  }

  /** The request body: SIZE bytes of BLOCK repeated, stopping after the first MiB until the backend has it. */
  private final class GatedBody extends InputStream {
    private long position;

    @Override
    public int read() {
      throw new UnsupportedOperationException("bulk reads only");
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (position >= SIZE) {
        return -1;
      }
      if (position == GATE) {
        try {
          if (!firstMebibyteArrived.await(30, TimeUnit.SECONDS)) {
            throw new IOException("the backend never received the first MiB: the router holds the body back");
          }
        } catch (InterruptedException e) {
          throw new InterruptedIOException();
        }
      }
      int offset = (int) (position % BLOCK.length);
      long limit = position < GATE ? GATE : SIZE;
      int n = (int) Math.min(Math.min(len, BLOCK.length - offset), limit - position);
      System.arraycopy(BLOCK, offset, b, off, n);
      position += n;
      return n;
    }
  }

  private static String expectedDigest() {
    MessageDigest sha = sha256();
    for (long sent = 0; sent < SIZE; sent += BLOCK.length) {
      sha.update(BLOCK);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(CountDownLatch latch) throws IOException {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IOException("the client never received the first MiB: the router holds the body back");
      }
    } catch (InterruptedException e) {
      throw new InterruptedIOException();
    }
  }
}
