package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.client.GantryApiException;
import dev.gantry.client.GantryClient;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.LeaseAcquired;
import dev.gantry.core.ledger.LedgerEvent.ServiceApplied;
import dev.gantry.core.ledger.LedgerEvent.VersionAdded;
import dev.gantry.core.ledger.LedgerEvent.VersionRetired;
import dev.gantry.store.JdbcLedgerStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Leases and specs of the version directory over the API: ids allocated from the ledger's state, renewals
 * that never shorten, nothing leased on a retired version, and the server's floor for retireAfter.
 */
class VersionApiTest extends ApiTestSupport {
  static final String SPEC = """
      {"name":"%s","command":["{java}","-jar","{artifact}"],"route":{"pathPrefix":"%s"},
       "versions":{"retireAfter":"%s","drainTimeout":"30s"}}
      """;

  @Autowired
  JdbcLedgerStore store;

  GantryClient ci;
  String service;

  @BeforeEach
  void serviceWithTwoVersions() {
    ci = client(account(unique("ci"), "robot", "deployer"));
    service = unique("pricing");
    String spec = SPEC.formatted(service, service, "14d");
    append(new ServiceApplied(service, dev.gantry.core.json.Json.canonical(dev.gantry.core.json.Json.parseObject(spec))),
        new VersionAdded(service, "v1", "A-000001", false), new VersionAdded(service, "v2", "A-000002", true));
  }

  private void append(LedgerEvent... events) {
    store.append("test", st -> List.of(events));
  }

  @Test
  void leaseIdsAreAllocatedFromTheLedgersStateInsideTheAppend() throws Exception {
    // A lease numbered past the count (as from another server on the same database): the next id follows it.
    String far = "L-000500";
    append(new LeaseAcquired(far, service, "v1", "elsewhere", clock.instant().plus(Duration.ofDays(1)).toString()));
    long next = Long.parseLong(far.substring(2)) + 1;
    assertThat(ci.acquireLease(service, "v1", "month-end", "30d").get("id")).isEqualTo(String.format("L-%06d", next));

    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Object>> ids = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        int n = i;
        ids.add(pool.submit((Callable<Object>) () -> ci.acquireLease(service, "v1", "batch-" + n, "1d").get("id")));
      }
      Set<Object> distinct = new HashSet<>();
      for (Future<Object> f : ids) {
        distinct.add(f.get());
      }
      assertThat(distinct).hasSize(16);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRenewalNeverShortensALease() {
    Map<String, Object> lease = ci.acquireLease(service, "v1", "month-end", "30d");
    String id = (String) lease.get("id");
    String thirtyDays = (String) lease.get("expiresAt");
    clock.advance(Duration.ofDays(1));

    assertThat(ci.renewLease(id, "1d").get("expiresAt")).isEqualTo(thirtyDays);
    assertThat(ci.renewLease(id, "60d").get("expiresAt")).isEqualTo(clock.instant().plus(Duration.ofDays(60)).toString());
    assertThat(ci.releaseLease(id).get("released")).isEqualTo(true);
    refused(409, "lease-released", () -> ci.releaseLease(id));
    refused(409, "lease-released", () -> ci.renewLease(id, "1d"));
  }

  @Test
  void aRetiredVersionIsNeitherLeasedNorRenewed() {
    String id = (String) ci.acquireLease(service, "v1", "month-end", "30d").get("id");
    append(new VersionRetired(service, "v1", "A-000001", "quiet", "v2"));

    refused(409, "version-retired", () -> ci.renewLease(id, "60d"));
    refused(409, "no-such-version", () -> ci.acquireLease(service, "v1", "late", "1d"));
  }

  @Test
  void aSpecWhoseRetireAfterIsUnderAMinuteIsRefusedAtApply() {
    Map<String, Object> spec = dev.gantry.core.json.Json.parseObject(SPEC.formatted(service, service, "30s"));
    GantryApiException e = refused(400, "invalid-spec", () -> ci.applyService(service, spec));
    assertThat((String) e.problem().get("detail")).contains("versions.retireAfter: 30s (expected: at least 1m");
  }
}
