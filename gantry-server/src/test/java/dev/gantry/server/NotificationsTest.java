package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gantry.core.deploy.BlueGreenReconciler;
import dev.gantry.core.deploy.CanaryReconciler;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.AnalysisMetric;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAnalysisRecorded;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPhaseChanged;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStepChanged;
import dev.gantry.store.JdbcLedgerStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Webhooks against a real receiver on loopback: Slack-compatible body, HMAC signature, retries after
 * failures, per-event and per-service filters, and the ledger sequence number on every delivery.
 *
 * <p>Deployment events are appended to the ledger as the deploy loop appends them ({@code store.append} as
 * {@code system}, one event per append), for services that have no spec: the loop only drives applied
 * services, so nothing but the notifier reacts to them. Every wait is for a condition, with a deadline.
 */
class NotificationsTest extends ApiTestSupport {
  /** One POST as the receiver saw it. */
  record Received(String path, Map<String, Object> body, String event, String seqHeader, String signature,
      byte[] raw) {
    Map<String, Object> gantry() {
      return map(body.get("gantry"));
    }

    String kind() {
      return (String) gantry().get("kind");
    }

    String service() {
      return (String) gantry().get("service");
    }

    long seq() {
      return ((Number) gantry().get("seq")).longValue();
    }

    @Override
    public String toString() {
      return path + " " + kind() + " #" + seq() + " " + service();
    }
  }

  static final long DEADLINE_SECONDS = 20;
  /** Guards RECEIVED; notified on each post. */
  static final Object LOCK = new Object();
  static final List<Received> RECEIVED = new ArrayList<>();
  /** The first two posts of the halt to /flaky fail with 503: the third attempt must get through. */
  static final AtomicInteger FLAKY_ATTEMPTS = new AtomicInteger();
  static final HttpServer RECEIVER = receiver();

  static HttpServer receiver() {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      s.createContext("/", x -> {
        byte[] raw = x.getRequestBody().readAllBytes();
        String path = x.getRequestURI().getPath();
        String event = x.getRequestHeaders().getFirst("X-Gantry-Event");
        int status = 200;
        if (path.equals("/flaky") && "halt".equals(event) && FLAKY_ATTEMPTS.incrementAndGet() <= 2) {
          status = 503;
        } else {
          Received r = new Received(path, Json.parseObject(new String(raw, StandardCharsets.UTF_8)), event,
              x.getRequestHeaders().getFirst("X-Gantry-Seq"), x.getRequestHeaders().getFirst("X-Gantry-Signature"),
              raw);
          synchronized (LOCK) {
            RECEIVED.add(r);
            LOCK.notifyAll();
          }
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
    r.add("gantry.notifications.webhooks[0].events", () -> "halt,resume");
    r.add("gantry.notifications.webhooks[0].secret", () -> "s3cret");
    r.add("gantry.notifications.webhooks[0].initial-backoff", () -> "50ms");
    r.add("gantry.notifications.webhooks[1].url", () -> base + "/rollbacks-only");
    r.add("gantry.notifications.webhooks[1].events", () -> "rollback");
    r.add("gantry.notifications.webhooks[2].url", () -> base + "/service-a");
    r.add("gantry.notifications.webhooks[2].services", () -> "notify-a");
    r.add("gantry.notifications.webhooks[3].url", () -> base + "/all");
  }

  @AfterAll
  static void stopReceiver() {
    RECEIVER.stop(0);
  }

  @Autowired
  JdbcLedgerStore store;

  // ---------------------------------------------------------------- receiving

  /** The first post to path that matches, waiting for it until the deadline. */
  static Received await(String path, Predicate<Received> matches) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    synchronized (LOCK) {
      while (true) {
        for (Received r : RECEIVED) {
          if (r.path().equals(path) && matches.test(r)) {
            return r;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("nothing matching reached " + path + " within " + DEADLINE_SECONDS
              + " s; received: " + RECEIVED);
        }
        TimeUnit.NANOSECONDS.timedWait(LOCK, left);
      }
    }
  }

  static Received await(String path, LedgerEntry entry) throws InterruptedException {
    return await(path, r -> r.seq() == entry.seq());
  }

  /** Everything path has received so far that matches. */
  static List<Received> at(String path, Predicate<Received> matches) {
    synchronized (LOCK) {
      return RECEIVED.stream().filter(r -> r.path().equals(path) && matches.test(r)).toList();
    }
  }

  // ---------------------------------------------------------------- driving the ledger

  LedgerEntry append(LedgerEvent e) {
    return store.append("system", state -> List.of(e)).getFirst();
  }

  /** A canary's life as the deploy loop records it, one append per event, in this order. */
  record Canary(LedgerEntry start, LedgerEntry step, LedgerEntry pass, LedgerEntry inconclusive, LedgerEntry fail,
      LedgerEntry rollingBack, LedgerEntry rolledBack) {
    List<LedgerEntry> notified() {
      return List.of(start, step, pass, fail, rollingBack);
    }
  }

  static AnalysisMetric errors(String verdict) {
    return new AnalysisMetric("error-rate", verdict, "x", Map.of("z", "3.1"));
  }

  Canary failingCanary(String id, String service) {
    String summary = "error-rate: canary 12.0% vs stable 0.9% (z 3.1)";
    return new Canary(
        append(new DeploymentStarted(id, service, "A-000002", "A-000001", "deploy")),
        append(new DeploymentStepChanged(id, service, 1, 10, "weight set to 10%")),
        append(new DeploymentAnalysisRecorded(id, service, 1, "step", "pass", true, "error-rate: no regression",
            List.of(errors("pass")))),
        append(new DeploymentAnalysisRecorded(id, service, 2, "background", "inconclusive", false,
            "error-rate: too few requests", List.of(errors("inconclusive")))),
        append(new DeploymentAnalysisRecorded(id, service, 3, "background", "fail", true, summary,
            List.of(errors("fail")))),
        append(new DeploymentPhaseChanged(id, service, "ROLLING_BACK", CanaryReconciler.ANALYSIS_FAILED + ": "
            + summary)),
        append(new DeploymentPhaseChanged(id, service, "ROLLED_BACK", BlueGreenReconciler.ROLLED_BACK_DONE)));
  }

  // ---------------------------------------------------------------- tests

  @Test
  void haltIsPostedWithRetriesSignedAndFilteredPerWebhook() throws Exception {
    String operator = account(unique("olga"), "human", "operator");
    client(operator).halt(null, "market close");
    Received r = await("/flaky", x -> x.kind().equals("halt"));
    assertThat(FLAKY_ATTEMPTS.get()).as("delivered after two failed attempts").isEqualTo(3);
    assertThat(r.event()).isEqualTo("halt");
    assertThat(r.seqHeader()).as("a retried delivery still carries its ledger seq").isEqualTo(Long.toString(r.seq()));
    assertThat((String) r.body().get("text")).startsWith(":octagonal_sign: All services halted: market close (by olga-");
    assertThat(r.body()).containsKey("blocks");
    assertThat(r.gantry()).containsEntry("kind", "halt").containsEntry("event", "halt.set");
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    assertThat(r.signature()).isEqualTo("sha256=" + HexFormat.of().formatHex(mac.doFinal(r.raw())));

    client(operator).resume(null);
    Received resumed = await("/flaky", x -> x.kind().equals("resume"));
    assertThat(resumed.event()).isEqualTo("resume");
    assertThat(resumed.seq()).isGreaterThan(r.seq());
    // The unfiltered webhook is posted after the rollback-only one for each entry: once it has the resume,
    // the rollback-only webhook has had every chance to (wrongly) hear of either.
    await("/all", x -> x.seq() == resumed.seq());
    assertThat(at("/rollbacks-only", x -> x.seq() == r.seq() || x.seq() == resumed.seq())).isEmpty();
  }

  @Test
  void aWebhookForRollbacksOnlyHearsOneRollbackPerRollbackAndNothingElse() throws Exception {
    Canary failed = failingCanary("notify-rb-d0001", "notify-rb");
    // A second rollback (an abort) after it: once it has arrived, everything before it has been sent.
    LedgerEntry started = append(new DeploymentStarted("notify-rb-d0002", "notify-rb", "A-000003", "A-000001",
        "deploy"));
    LedgerEntry aborted = append(new DeploymentPhaseChanged("notify-rb-d0002", "notify-rb", "ROLLING_BACK",
        BlueGreenReconciler.ABORTED));
    append(new DeploymentPhaseChanged("notify-rb-d0002", "notify-rb", "ROLLED_BACK",
        BlueGreenReconciler.ROLLED_BACK_DONE));
    Received first = await("/rollbacks-only", failed.rollingBack());
    await("/rollbacks-only", aborted);
    await("/all", started); // the deployment's other events were notifiable: the filter is what kept them away

    assertThat(first.event()).isEqualTo("rollback");
    assertThat((String) first.body().get("text")).isEqualTo(":rewind: Deployment notify-rb-d0001 of *notify-rb* is"
        + " rolling back: canary analysis failed: error-rate: canary 12.0% vs stable 0.9% (z 3.1)");
    assertThat(at("/rollbacks-only", x -> x.service().equals("notify-rb")).stream().map(Received::seq))
        .as("exactly the two rollbacks, each once (not again when it ends)")
        .containsExactlyInAnyOrder(failed.rollingBack().seq(), aborted.seq());
    assertThat(at("/rollbacks-only", x -> true)).allSatisfy(x -> assertThat(x.kind()).isEqualTo("rollback"));
  }

  @Test
  void aWebhookForOneServiceHearsNothingAboutAnother() throws Exception {
    Canary b = failingCanary("notify-b-d0001", "notify-b");
    Canary a = failingCanary("notify-a-d0001", "notify-a");
    for (LedgerEntry e : a.notified()) {
      await("/service-a", e);
    }
    await("/all", b.rollingBack()); // service B's events were posted, only not to this webhook

    assertThat(at("/service-a", x -> x.service().startsWith("notify-")).stream().map(Received::seq))
        .as("A's start, step, pass, fail and rollback; nothing of B")
        .containsExactlyInAnyOrderElementsOf(a.notified().stream().map(LedgerEntry::seq).toList());
    assertThat(at("/service-a", x -> x.service().equals("notify-b"))).isEmpty();
  }

  @Test
  void aCanarysStartStepPassFailAndRollbackArePostedInSlacksShape() throws Exception {
    Canary c = failingCanary("notify-shape-d0001", "notify-shape");
    String d = "notify-shape-d0001";
    String s = "*notify-shape*";
    Map<LedgerEntry, List<String>> expected = Map.of(
        c.start(), List.of("start", "Deployment " + d + " of " + s + " started: A-000001 → A-000002 (by system)"),
        c.step(), List.of("step", "Canary " + d + " of " + s + ": 1 steps done, weight 10%: weight set to 10%"),
        c.pass(), List.of("pass", ":large_green_circle: Canary " + d + " of " + s + " passed its step analysis (run 1):"
            + " error-rate: no regression"),
        c.fail(), List.of("fail", ":red_circle: Canary " + d + " of " + s + " failed its background analysis (run 3):"
            + " error-rate: canary 12.0% vs stable 0.9% (z 3.1)"),
        c.rollingBack(), List.of("rollback", ":rewind: Deployment " + d + " of " + s + " is rolling back: canary"
            + " analysis failed: error-rate: canary 12.0% vs stable 0.9% (z 3.1)"));
    for (LedgerEntry e : c.notified()) {
      Received r = await("/all", e);
      String kind = expected.get(e).get(0);
      String text = expected.get(e).get(1);
      assertThat(r.event()).as("X-Gantry-Event").isEqualTo(kind);
      assertThat(r.seqHeader()).as("X-Gantry-Seq").isEqualTo(Long.toString(e.seq()));
      assertThat(r.body()).containsOnlyKeys("text", "blocks", "gantry").containsEntry("text", text);
      assertThat(r.body().get("blocks")).as("one mrkdwn section with the same text")
          .isEqualTo(List.of(Map.of("type", "section", "text", Map.of("type", "mrkdwn", "text", text))));
      assertThat(r.gantry()).containsOnlyKeys("kind", "service", "deployment", "seq", "time", "actor", "event")
          .containsEntry("kind", kind).containsEntry("service", "notify-shape").containsEntry("deployment", d)
          .containsEntry("time", e.time()).containsEntry("actor", "system").containsEntry("event", e.type());
      assertThat(r.seq()).isEqualTo(e.seq());
    }
  }
}
