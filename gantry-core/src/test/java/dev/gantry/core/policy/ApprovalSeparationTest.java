package dev.gantry.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.account.AccountCommands.Refusal;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.ApprovalRecorded;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may approve or reject what, table-driven, through the ledger command itself (so the API cannot skip
 * it). The artifact A-000001 was registered by the robot ci; its one commit is by Dana Dev
 * &lt;dana@bank.example&gt;; prod's approvals expire after 24h.
 */
class ApprovalSeparationTest {
  static final Instant NOW = PolicyEvaluatorTest.NOW;

  record Row(String name, String actor, String decision, String env, Consumer<FakeState> setup, int status,
      String code, String message) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Row allowed(String name, String actor, String decision, Consumer<FakeState> setup) {
    return new Row(name, actor, decision, "prod", setup, 0, null, null);
  }

  static Row refused(String name, String actor, String decision, Consumer<FakeState> setup, int status, String code,
      String message) {
    return new Row(name, actor, decision, "prod", setup, status, code, message);
  }

  static final Consumer<FakeState> NONE = s -> {};

  static Stream<Row> rows() {
    Instant hourAgo = NOW.minus(Duration.ofHours(1));
    return Stream.of(
        allowed("a human approver who is not an author approves", "alice", "approve", NONE),
        allowed("a second, distinct human approves", "bob", "approve",
            s -> s.approval("alice", "approve", "prod", hourAgo)),
        refused("the same person cannot approve twice", "alice", "approve",
            s -> s.approval("alice", "approve", "prod", hourAgo), 409, "already-approved",
            "a second approval must come from someone else"),
        allowed("after one's approval expired, one may approve again", "alice", "approve",
            s -> s.approval("alice", "approve", "prod", NOW.minus(Duration.ofHours(30)))),
        allowed("an approval for staging does not block one for prod", "alice", "approve",
            s -> s.approval("alice", "approve", "staging", hourAgo)),
        refused("the commit author cannot approve (matched by e-mail local part)", "dana", "approve", NONE, 403,
            "separation-of-duties", "'dana' is the author of commit c0ffeec0ffee in A-000001 and cannot approve it"),
        refused("the author matched by full name", "dana.dev", "approve", s -> s.account("dana.dev", "human",
            "approver"), 403, "separation-of-duties", "is the author of commit"),
        refused("the account that registered the artifact cannot approve", "ci", "approve",
            s -> s.account("ci", "human", "approver"), 403, "separation-of-duties",
            "'ci' registered A-000001 and cannot approve it"),
        refused("a robot never approves, whatever its roles", "robo", "approve", NONE, 403, "separation-of-duties",
            "'robo' is a robot; approvals are human decisions"),
        refused("an operator without approver cannot approve", "olga", "approve", NONE, 403, "separation-of-duties",
            "'olga' does not hold the approver role"),
        refused("a viewer cannot approve", "vic", "approve", NONE, 403, "separation-of-duties",
            "does not hold the approver role"),
        refused("a disabled approver cannot approve", "bob", "approve", s -> s.accounts.put("bob",
            new dev.gantry.core.ledger.LedgerStore.AccountRecord("bob", "human", List.of("approver"), true, "t")),
            403, "separation-of-duties", "account 'bob' is disabled"),
        refused("no approval after a rejection", "bob", "approve", s -> s.approval("alice", "reject", "prod", hourAgo),
            409, "release-rejected", "A-000001 was rejected for prod by alice; it cannot be approved"),
        allowed("an approver rejects", "alice", "reject", NONE),
        allowed("the author may reject (stopping one's own release is safe)", "dana", "reject", NONE),
        refused("a robot cannot reject", "robo", "reject", NONE, 403, "separation-of-duties", "rejections are human"),
        refused("nobody rejects twice", "alice", "reject", s -> s.approval("alice", "reject", "prod", hourAgo), 409,
            "already-rejected", "alice already rejected A-000001 for prod"),
        new Row("an undefined environment", "alice", "approve", "qa", NONE, 404, "no-such-environment",
            "no environment 'qa'"),
        refused("an unknown account", "mallory", "approve", NONE, 403, "forbidden", "no account 'mallory'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void whoMayApproveWhat(Row row) {
    FakeState s = FakeState.standard();
    s.environment(Map.of("name", "staging"));
    s.environment(Map.of("name", "prod", "rules", Map.of("approvals", Map.of("count", 2L, "expiresAfter", "24h"))));
    row.setup().accept(s);
    try {
      List<LedgerEvent> events = ReleaseCommands.decide(row.actor(), "pricing", "A-000001", row.env(), row.decision(),
          "looks good", NOW).decide(s);
      assertThat(row.status()).as("%s: expected a refusal, got %s", row.name(), events).isZero();
      assertThat(events).singleElement().isInstanceOfSatisfying(ApprovalRecorded.class, a -> {
        assertThat(a.account()).isEqualTo(row.actor());
        assertThat(a.decision()).isEqualTo(row.decision());
        assertThat(a.digest()).as("bound to the digest").isEqualTo(FakeState.DIGEST);
        assertThat(a.environment()).isEqualTo(row.env());
      });
    } catch (Refusal r) {
      assertThat(row.status()).as("%s: refused unexpectedly: %s", row.name(), r.getMessage()).isNotZero();
      assertThat(r.status()).isEqualTo(row.status());
      assertThat(r.code()).isEqualTo(row.code());
      assertThat(r.getMessage()).contains(row.message());
    }
  }

  @Test
  void authorIdentitiesFromAGitAuthorLine() {
    assertThat(ApprovalRules.isAuthor("dana", "Dana Dev <dana@bank.example>")).isTrue();
    assertThat(ApprovalRules.isAuthor("dana@bank.example", "Dana Dev <dana@bank.example>")).isTrue();
    assertThat(ApprovalRules.isAuthor("dana-dev", "Dana Dev <d.dev@bank.example>")).isTrue();
    assertThat(ApprovalRules.isAuthor("danadev", "Dana Dev <d.dev@bank.example>")).isTrue();
    assertThat(ApprovalRules.isAuthor("alice", "Dana Dev <dana@bank.example>")).isFalse();
    assertThat(ApprovalRules.isAuthor("dan", "Dana Dev <dana@bank.example>")).isFalse();
  }
}
