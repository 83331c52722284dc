package dev.gantry.cli.system;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Steady load through the router for the demo and end-to-end tests: a fixed number of client threads,
 * each sending requests at a fixed pace, counting answers by the serial that served them
 * ({@code X-Gantry-Serial}) and failures (non-2xx or no answer), with the time of the first and last failure.
 */
public final class LoadGenerator implements AutoCloseable {
  private final java.util.List<URI> targets;
  private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
  private final int clients;
  private final Duration pause;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Map<String, LongAdder> bySerial = new ConcurrentHashMap<>();
  private final LongAdder failures = new LongAdder();
  private final LongAdder total = new LongAdder();
  private final AtomicLong firstFailureNanos = new AtomicLong();
  private final AtomicLong lastFailureNanos = new AtomicLong();
  private final Thread[] threads;
  /** Per serial: when its first and its last answer (success or failure) arrived, and its failures. */
  private final Map<String, AtomicLong> firstAnswer = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> lastAnswer = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failuresBySerial = new ConcurrentHashMap<>();

  /** Starts clients threads, each sending one request every pause, to the targets in turn. */
  public LoadGenerator(java.util.List<URI> targets, int clients, Duration pause) {
    this.targets = java.util.List.copyOf(targets);
    this.clients = clients;
    this.pause = pause;
    this.threads = new Thread[clients];
    for (int i = 0; i < clients; i++) {
      threads[i] = Thread.ofVirtual().name("load-" + i).start(this::loop);
    }
  }

  private void loop() {
    while (!stop.get()) {
      long t0 = System.nanoTime();
      try {
        URI target = targets.get(Math.floorMod(next.getAndIncrement(), targets.size()));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5))
            .header("X-Client-Id", Thread.currentThread().getName()).build(), HttpResponse.BodyHandlers.ofString());
        total.increment();
        String serial = r.headers().firstValue("X-Gantry-Serial").orElse("-");
        long now = System.nanoTime();
        firstAnswer.computeIfAbsent(serial, k -> new AtomicLong(now));
        lastAnswer.computeIfAbsent(serial, k -> new AtomicLong()).accumulateAndGet(now, Math::max);
        if (r.statusCode() >= 200 && r.statusCode() < 300) {
          bySerial.computeIfAbsent(serial, k -> new LongAdder()).increment();
        } else {
          failuresBySerial.computeIfAbsent(serial, k -> new LongAdder()).increment();
          failed();
        }
      } catch (Exception e) {
        total.increment();
        failed();
      }
      long left = pause.toNanos() - (System.nanoTime() - t0);
      if (left > 0) {
        try {
          Thread.sleep(Duration.ofNanos(left)); // pacing of a load generator, not waiting for a condition
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private void failed() {
    failures.increment();
    long now = System.nanoTime();
    firstFailureNanos.compareAndSet(0, now);
    lastFailureNanos.set(now);
  }

  public long total() {
    return total.sum();
  }

  public long failures() {
    return failures.sum();
  }

  /** Successful answers per serial. */
  public Map<String, Long> servedBySerial() {
    Map<String, Long> m = new TreeMap<>();
    bySerial.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  /** Seconds between the first and the last answer from a serial (0 when it answered at most once). */
  public double answerSpanSeconds(String serial) {
    AtomicLong a = firstAnswer.get(serial);
    return a == null ? 0 : (lastAnswer.get(serial).get() - a.get()) / 1e9;
  }

  /** Failed answers (non-2xx) that carried a serial. */
  public long failures(String serial) {
    LongAdder n = failuresBySerial.get(serial);
    return n == null ? 0 : n.sum();
  }

  /** Seconds between the first and the last failure, or 0. */
  public double failureSpanSeconds() {
    long a = firstFailureNanos.get();
    return a == 0 ? 0 : (lastFailureNanos.get() - a) / 1e9;
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(10_000);
    }
  }

  public int clients() {
    return clients;
  }
}
