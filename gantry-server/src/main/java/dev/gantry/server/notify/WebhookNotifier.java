package dev.gantry.server.notify;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.server.notify.NotificationProperties.Webhook;
import dev.gantry.store.JdbcLedgerStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Tails the ledger and posts a notification for each entry people should hear about (see
 * {@link Notification#of}) to every webhook whose filters match. Because it reads the ledger, not the
 * code paths that write it, nothing that changes a deployment can forget to notify: an operator's halt
 * over the API, the loop's rollback and a policy's break glass all arrive the same way.
 *
 * <pre>
 *   every pollInterval: entries after the last one seen ─▶ Notification.of ─▶ per matching webhook:
 *      POST (timeout) ── 2xx ─▶ done
 *                     └─ else ─▶ retry after backoff (doubling) … up to maxAttempts, then logged as given up
 * </pre>
 *
 * Delivery is in the background. The notifier's position in the ledger is kept in the data directory
 * ({@link NotifierPosition}): after a restart it notifies about what happened while it was down (at most the
 * last 500 entries); retries still pending when the server stops are lost (the ledger keeps the facts).
 */
@Component
class WebhookNotifier implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);

  private final JdbcLedgerStore store;
  private final NotificationProperties props;
  private final List<Target> targets;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("gantry-notifier").daemon(true).factory());
  /**
   * The last background verdict per deployment in progress (entries go when it ends, see
   * {@link Notification#of}). Touched by the scheduler thread only.
   */
  private final Map<String, String> lastVerdict = new HashMap<>();
  private long next;
  private volatile boolean running;
  final AtomicLong delivered = new AtomicLong();
  final AtomicLong givenUp = new AtomicLong();

  /** A webhook with its filters parsed. */
  private record Target(Webhook hook, URI uri, Set<Notification.Kind> kinds, Set<String> services) {
    boolean wants(Notification n) {
      return (kinds.isEmpty() || kinds.contains(n.kind()))
          && (services.isEmpty() || services.contains(n.service()) || n.service().equals("*"));
    }
  }

  /** Entries a restart may catch up on; beyond that, the channel would learn old news in a flood. */
  static final long MAX_REPLAY = 500;

  private final NotifierPosition position;

  WebhookNotifier(JdbcLedgerStore store, NotificationProperties props, dev.gantry.store.DataDirectory dir) {
    this.store = store;
    this.props = props;
    this.position = new NotifierPosition(dir.path().resolve("notifier.position"), MAX_REPLAY);
    List<Target> t = new ArrayList<>();
    for (int i = 0; i < props.webhooks().size(); i++) {
      Webhook w = props.webhooks().get(i);
      String f = "gantry.notifications.webhooks[" + i + "]";
      if (w.url() == null || !(w.url().startsWith("http://") || w.url().startsWith("https://"))) {
        throw new IllegalArgumentException(f + ".url: '" + w.url() + "' (expected: an http or https URL)");
      }
      if (w.maxAttempts() < 1 || w.maxAttempts() > 20) {
        throw new IllegalArgumentException(f + ".maxAttempts: " + w.maxAttempts() + " (expected: 1..20)");
      }
      Set<Notification.Kind> kinds;
      try {
        kinds = w.events().stream().map(Notification.Kind::parse).collect(Collectors.toUnmodifiableSet());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(f + ".events: " + e.getMessage(), e);
      }
      t.add(new Target(w, URI.create(w.url()), kinds, Set.copyOf(w.services())));
    }
    this.targets = List.copyOf(t);
  }

  @Override
  public void start() {
    next = targets.isEmpty() ? store.head().size() + 1 : position.start(store.head().size());
    running = true;
    if (!targets.isEmpty()) {
      scheduler.scheduleWithFixedDelay(this::poll, props.pollInterval().toMillis(), props.pollInterval().toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void stop() {
    running = false;
    scheduler.shutdownNow();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private void poll() {
    try {
      long head = store.head().size();
      if (head < next) {
        return;
      }
      List<LedgerEntry> batch = new ArrayList<>();
      store.scan(next, head, batch::add);
      for (LedgerEntry e : batch) {
        next = e.seq() + 1;
        Notification.of(e, lastVerdict).ifPresent(n -> {
          for (Target t : targets) {
            if (t.wants(n)) {
              send(t, n, 1);
            }
          }
        });
      }
      if (!batch.isEmpty()) {
        position.save(next - 1); // once per batch: a busy ledger must not mean a file write per entry
      }
    } catch (RuntimeException e) {
      log.warn("notifier: reading the ledger failed: {}", e.toString());
    }
  }

  private void send(Target t, Notification n, int attempt) {
    byte[] body = Json.write(n.slackBody()).getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder req = HttpRequest.newBuilder(t.uri()).timeout(t.hook().timeout())
        .header("Content-Type", "application/json").header("User-Agent", "gantry-notifier")
        .header("X-Gantry-Event", n.kind().word()).header("X-Gantry-Seq", Long.toString(n.entry().seq()))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (t.hook().secret() != null && !t.hook().secret().isEmpty()) {
      req.header("X-Gantry-Signature", "sha256=" + hmac(t.hook().secret(), body));
    }
    http.sendAsync(req.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((r, err) -> {
      if (err == null && r.statusCode() / 100 == 2) {
        delivered.incrementAndGet();
        return;
      }
      String why = err != null ? err.toString() : "HTTP " + r.statusCode();
      if (attempt >= t.hook().maxAttempts() || !running) {
        givenUp.incrementAndGet();
        log.warn("notifier: gave up on {} for seq {} after {} attempts: {}", t.uri().getHost(), n.entry().seq(),
            attempt, why);
        return;
      }
      long delay = t.hook().initialBackoff().toMillis() << Math.min(10, attempt - 1);
      try {
        scheduler.schedule(() -> send(t, n, attempt + 1), delay, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException stopped) {
        givenUp.incrementAndGet();
      }
    });
  }

  static String hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
