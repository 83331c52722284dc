package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gantry.core.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Webhooks against a real receiver on loopback: Slack-compatible body, HMAC signature, retries after
 * failures, and per-event filters.
 */
class NotificationsTest extends ApiTestSupport {
  record Received(String path, Map<String, Object> body, String event, String signature, byte[] raw) {}

  static final BlockingQueue<Received> RECEIVED = new LinkedBlockingQueue<>();
  /** The first two posts to /flaky fail with 503: the third attempt must get through. */
  static final AtomicInteger FLAKY_ATTEMPTS = new AtomicInteger();
  static final HttpServer RECEIVER = receiver();

  static HttpServer receiver() {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      s.createContext("/", x -> {
        byte[] raw = x.getRequestBody().readAllBytes();
        String path = x.getRequestURI().getPath();
        int status = 200;
        if (path.equals("/flaky") && FLAKY_ATTEMPTS.incrementAndGet() <= 2) {
          status = 503;
        } else {
          RECEIVED.add(new Received(path, Json.parseObject(new String(raw, StandardCharsets.UTF_8)),
              x.getRequestHeaders().getFirst("X-Gantry-Event"), x.getRequestHeaders().getFirst("X-Gantry-Signature"), raw));
        }
        x.sendResponseHeaders(status, -1);
        x.close();
      });
      s.start();
      return s;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void webhooks(DynamicPropertyRegistry r) {
    String base = "http://127.0.0.1:" + RECEIVER.getAddress().getPort();
    r.add("gantry.notifications.poll-interval", () -> "50ms");
    r.add("gantry.notifications.webhooks[0].url", () -> base + "/flaky");
    r.add("gantry.notifications.webhooks[0].secret", () -> "s3cret");
    r.add("gantry.notifications.webhooks[0].initial-backoff", () -> "50ms");
    r.add("gantry.notifications.webhooks[1].url", () -> base + "/rollbacks-only");
    r.add("gantry.notifications.webhooks[1].events", () -> "rollback,fail");
  }

  @AfterAll
  static void stopReceiver() {
    RECEIVER.stop(0);
  }

  @Test
  void haltIsPostedWithRetriesSignedAndFilteredPerWebhook() throws Exception {
    String operator = account(unique("olga"), "human", "operator");
    client(operator).halt(null, "market close");
    Received r = RECEIVED.poll(20, TimeUnit.SECONDS);
    assertThat(r).as("delivered after two failed attempts").isNotNull();
    assertThat(FLAKY_ATTEMPTS.get()).isEqualTo(3);
    assertThat(r.path()).isEqualTo("/flaky");
    assertThat(r.event()).isEqualTo("halt");
    assertThat((String) r.body().get("text")).startsWith(":octagonal_sign: All services halted: market close (by olga-");
    assertThat(r.body()).containsKey("blocks");
    assertThat(map(r.body().get("gantry"))).containsEntry("kind", "halt").containsEntry("event", "halt.set");
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    assertThat(r.signature()).isEqualTo("sha256=" + HexFormat.of().formatHex(mac.doFinal(r.raw())));

    client(operator).resume(null);
    Received resumed = RECEIVED.poll(20, TimeUnit.SECONDS);
    assertThat(resumed.event()).isEqualTo("resume");
    assertThat(resumed.path()).isEqualTo("/flaky");
    // The rollback-only webhook heard neither.
    assertThat(RECEIVED.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }
}
