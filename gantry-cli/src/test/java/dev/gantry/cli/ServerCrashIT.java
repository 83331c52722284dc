package dev.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.client.GantryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A real server is killed with SIGKILL in the middle of a burst of concurrent appends from 16 clients.
 * After a restart, every append the server acknowledged is in the ledger at the sequence number it was
 * given, there are no gaps, and the audit passes.
 */
class ServerCrashIT {

  @Test
  void everyAcknowledgedAppendSurvivesSigkill() throws Exception {
    Path data = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "crash-");
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    try (RunningServer first = RunningServer.start(data)) {
      GantryClient admin = first.client(first.adminToken());
      int writers = 16;
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch enough = new CountDownLatch(400);
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      for (int t = 0; t < writers; t++) {
        int id = t;
        pool.submit(() -> {
          for (int i = 0; !stop.get(); i++) {
            String name = "w" + id + "-" + i;
            try {
              Map<String, Object> a = admin.createAccount(name, "robot", List.of("viewer"));
              acknowledged.put(name, ((Number) a.get("seq")).longValue());
              enough.countDown();
            } catch (RuntimeException killed) {
              return; // the server is gone: this append was never acknowledged
            }
          }
        });
      }
      assertThat(enough.await(120, TimeUnit.SECONDS)).as("400 appends acknowledged").isTrue();
      first.kill(); // mid-burst: 16 requests are in flight
      stop.set(true);
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }

    try (RunningServer second = RunningServer.start(data)) {
      GantryClient admin = second.client(second.adminToken());
      String auditorToken;
      admin.createAccount("auditor", "human", List.of("auditor"));
      auditorToken = (String) admin.createToken("auditor", null, "crash test").get("token");
      GantryClient auditor = second.client(auditorToken);

      Map<Long, String> subjects = new java.util.HashMap<>();
      long next = 1;
      while (true) {
        List<Object> page = auditor.entries(next, 1000, null);
        for (Object o : page) {
          Map<?, ?> e = (Map<?, ?>) o;
          long seq = ((Number) e.get("seq")).longValue();
          assertThat(seq).as("gapless").isEqualTo(next);
          subjects.put(seq, (String) e.get("subject"));
          next++;
        }
        if (page.size() < 1000) {
          break;
        }
      }
      for (Map.Entry<String, Long> a : acknowledged.entrySet()) {
        assertThat(subjects.get(a.getValue())).as("acknowledged %s at seq %d", a.getKey(), a.getValue())
            .isEqualTo("account:" + a.getKey());
      }
      Map<String, Object> report = auditor.verify();
      assertThat(report.get("ok")).as(String.valueOf(report.get("summary"))).isEqualTo(true);
    }
    CliRun offline = CliRun.of("audit", "verify", "--data", data.toString());
    assertThat(offline.exit()).as(offline.out() + offline.err()).isZero();
  }
}
