package dev.gantry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gantry.core.account.AccountCommands;
import dev.gantry.core.account.AccountCommands.Refusal;
import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.ArtifactRegistered;
import dev.gantry.core.ledger.LedgerEvent.Commit;
import dev.gantry.core.ledger.LedgerEvent.TestsRecorded;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import dev.gantry.core.policy.Environment;
import dev.gantry.core.policy.ReleaseCommands;
import dev.gantry.core.policy.ReleaseCommands.DeployRequest;
import dev.gantry.core.policy.ReleaseCommands.GateOutcome;
import dev.gantry.core.provenance.Dsse;
import dev.gantry.core.provenance.EcKey;
import dev.gantry.core.provenance.ProvenanceStatement;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The release commands through the real store on SQLite and PostgreSQL: the StateView queries the policy
 * reads, the projections it writes, and the audit's replay of every decision.
 */
class PolicyStoreTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-02T12:00:00Z"), ZoneOffset.UTC);
  static final EcKey KEY = EcKey.generate();
  static final String STAMPED = "cd".repeat(32);

  static List<String> engines() {
    return TestDatabases.engines();
  }

  static dev.gantry.core.ledger.LedgerStore.Command events(LedgerEvent... e) {
    return st -> List.of(e);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void prodRefusesThenAllowsAndTheAuditReplaysBothDecisions(String engine) throws Exception {
    try (StoreFixture f = StoreFixture.open(engine, CLOCK)) {
      var s = f.store();
      s.append("admin", AccountCommands.create("ci", AccountKind.ROBOT, Set.of(Role.DEPLOYER)));
      s.append("admin", AccountCommands.create("olga", AccountKind.HUMAN, Set.of(Role.OPERATOR)));
      for (String a : List.of("alice", "bob", "dana")) {
        s.append("admin", AccountCommands.create(a, AccountKind.HUMAN, Set.of(Role.APPROVER)));
      }
      String envelope = Dsse.sign(Dsse.IN_TOTO, ProvenanceStatement.build("A-000001", "pricing", "pricing.jar", STAMPED,
          "ab".repeat(32), null, List.of(), Map.of(), "https://gantry.dev/builder", "2030-01-02T11:00:00Z"), KEY);
      s.append("ci", events(new ArtifactRegistered("A-000001", 1, "pricing", "ab".repeat(32), STAMPED, "pricing.jar",
          10, "jar", null, List.of(new Commit("f".repeat(40), "Dana Dev <dana@bank.example>", "2030-01-02T10:00:00Z",
          "PRC-1 quotes", List.of("PRC-1"))), null, List.of(), Map.of(), envelope)));
      s.append("ci", events(new TestsRecorded("A-000001", "smoke", 1, 3, 0, 0, 0, List.of())));
      s.append("olga", ReleaseCommands.applyEnvironment(Environment.parse(Map.of("name", "prod", "rules",
          Map.of("fullSuite", true, "noFailedTests", true, "requirementsLinked", true, "provenance", true,
              "approvals", Map.of("count", 2L, "expiresAfter", "72h"))))));

      AtomicReference<GateOutcome> out = new AtomicReference<>();
      List<LedgerEntry> refused = s.append("ci", ReleaseCommands.deploy(new DeployRequest("pricing-d0001", "pricing",
          "A-000001", null, "deploy", "prod", "ci", false, null), KEY, CLOCK.instant(), out::set));
      assertThat(refused).singleElement().satisfies(e -> assertThat(e.type()).isEqualTo("policy.evaluated"));
      assertThat(out.get().decision().failed()).extracting(v -> v.rule()).containsExactly("fullSuite", "approvals");

      Refusal author = catchThrowableOfType(Refusal.class, () -> s.append("dana", ReleaseCommands.decide("dana",
          "pricing", "A-000001", "prod", "approve", null, CLOCK.instant())));
      assertThat(author.getMessage()).contains("'dana' is the author of commit ffffffffffff");
      s.append("alice", ReleaseCommands.decide("alice", "pricing", "A-000001", "prod", "approve", "ok", CLOCK.instant()));
      s.append("bob", ReleaseCommands.decide("bob", "pricing", "A-000001", "prod", "approve", null, CLOCK.instant()));
      s.append("ci", events(new TestsRecorded("A-000001", "full", 1, 40, 0, 0, 1, List.of())));
      List<LedgerEntry> allowed = s.append("ci", ReleaseCommands.deploy(new DeployRequest("pricing-d0001", "pricing",
          "A-000001", null, "deploy", "prod", "ci", false, null), KEY, CLOCK.instant(), out::set));
      assertThat(allowed).extracting(LedgerEntry::type).containsExactly("policy.evaluated", "deployment.started");
      List<dev.gantry.core.ledger.LedgerStore.DeploymentRecord> deployments =
          s.stateView(st -> st.deploymentsOf("A-000001"));
      assertThat(deployments).singleElement().satisfies(d -> assertThat(d.environment()).isEqualTo("prod"));
      List<dev.gantry.core.ledger.LedgerStore.ApprovalRecord> approvals =
          s.stateView(st -> st.approvals("A-000001", "prod"));
      assertThat(approvals).extracting(a -> a.account()).containsExactly("alice", "bob");

      Report r = LedgerAudit.verify(f.db(), f.key());
      assertThat(r.ok()).as(r.describe()).isTrue();

      // An approval row edited behind the ledger's back is named by the audit.
      try (Connection c = f.db().readers().getConnection(); Statement st = c.createStatement()) {
        st.execute("UPDATE approval SET account = 'mallory' WHERE account = 'bob'");
      }
      Report tampered = LedgerAudit.verify(f.db(), f.key());
      assertThat(tampered.ok()).isFalse();
      assertThat(tampered.problem()).contains("approval").contains("mallory");
    }
  }
}
