package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.client.GantryClient;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import dev.gantry.core.merkle.MerkleTree;
import dev.gantry.core.note.Checkpoint;
import dev.gantry.core.note.NoteKey;
import dev.gantry.core.note.TlogProof;
import dev.gantry.store.LedgerAudit;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One end-to-end story through the API, run once per ledger engine: an admin sets up a release team,
 * the rules refuse what they must, tokens are issued, revoked and expire, an account is disabled, and
 * an auditor verifies the ledger, an inclusion proof and an export offline.
 */
abstract class CoreApiScenario extends ApiTestSupport {

  /** Checks that the server really kept its ledger (of size entries) in the engine under test. */
  abstract void assertLedgerIsKeptInTheEngine(long size) throws Exception;

  @Test
  void releaseTeamIsSetUpGovernedAndAudited() throws Exception {
    // The bootstrap admin.
    assertThat(admin().whoami()).containsEntry("account", ADMIN).containsEntry("roles", List.of("admin"));

    // The admin sets up the team.
    String ci = unique("ci");
    String alice = unique("alice");
    String bob = unique("bob");
    admin().createAccount(ci, "robot", List.of("deployer"));
    admin().createAccount(alice, "human", List.of("approver"));
    admin().createAccount(bob, "human", List.of("operator", "viewer"));
    GantryClient ciClient = client(secret(admin().createToken(ci, "30d", "pipeline")));
    GantryClient aliceClient = client(secret(admin().createToken(alice, null, "first login")));
    GantryClient bobClient = client(secret(admin().createToken(bob, null, null)));
    assertThat(ciClient.whoami()).containsEntry("account", ci).containsEntry("kind", "robot");

    // The rules refuse what they must, and the refusals are on record.
    refusedWithoutChange(ADMIN, "POST", "/api/v1/accounts", 403, "separation-of-duties",
        () -> admin().createAccount(unique("bot"), "robot", List.of("deployer", "approver")));
    refusedWithoutChange(ADMIN, "PUT", "/api/v1/accounts/" + alice + "/roles", 403, "separation-of-duties",
        () -> admin().setRoles(alice, List.of("approver", "admin")));
    refusedWithoutChange(ci, "POST", "/api/v1/accounts", 403, "forbidden",
        () -> ciClient.createAccount(unique("sneaky"), "human", List.of("approver")));
    refusedWithoutChange(ci, "POST", "/api/v1/tokens", 403, "forbidden",
        () -> ciClient.createToken(alice, null, "impersonation"));
    refusedWithoutChange(ADMIN, "GET", "/api/v1/audit/verify", 403, "forbidden", () -> admin().verify());

    // Alice manages her own tokens.
    Map<String, Object> laptop = aliceClient.createToken(alice, "7d", "laptop");
    assertThat(aliceClient.listTokens(alice)).hasSize(2)
        .allSatisfy(t -> assertThat(map(t)).doesNotContainKey("token"));
    aliceClient.revokeToken((String) laptop.get("id"));
    refused(401, "token-revoked", () -> client(secret(laptop)).whoami());

    // Roles change; an account is disabled; a token expires.
    assertThat(admin().setRoles(bob, List.of("viewer"))).containsEntry("roles", List.of("viewer"));
    assertThat(bobClient.whoami()).containsEntry("roles", List.of("viewer"));
    admin().disableAccount(bob, "left the team");
    refused(401, "account-disabled", bobClient::whoami);
    clock.advance(Duration.ofDays(30));
    refused(401, "token-expired", ciClient::whoami);
    assertThat(aliceClient.whoami()).containsEntry("account", alice);

    // The auditor verifies everything, with the verifier key from the data directory.
    NoteKey key = NoteKey.parseVerifier(Files.readString(dataDirectory.publicKeyFile()));
    long size = ledgerSize();
    Map<String, Object> report = auditor().verify();
    assertThat(report).as("%s", report).containsEntry("ok", true).containsEntry("entries", size);

    List<Map<String, Object>> entries = entriesFrom(1);
    assertThat(entries).extracting(e -> e.get("seq")).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(1, size).boxed().toList());
    assertThat(entries).filteredOn(e -> ("account:" + bob).equals(e.get("subject")))
        .extracting(e -> e.get("type"), e -> e.get("actor"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("account.created", ADMIN),
            org.assertj.core.groups.Tuple.tuple("account.roles-set", ADMIN),
            org.assertj.core.groups.Tuple.tuple("account.disabled", ADMIN));
    // Two refusals of ci's requests, and one of its expired token (named, since the token is real).
    assertThat(entries).filteredOn(e -> e.get("type").equals("request.refused") && e.get("actor").equals(ci))
        .hasSize(3);

    TlogProof proof = TlogProof.parse(auditor().proof(size));
    Checkpoint cp = Checkpoint.verify(proof.signedCheckpoint(), key);
    LedgerEntry last = AuditApiTest.asEntry(entries.getLast());
    assertThat(MerkleTree.verifyInclusion(proof.index(), cp.size(), last.leafHash(), proof.proof(), cp.root())).isTrue();

    List<String> lines = new ArrayList<>();
    try (InputStream in = auditor().export();
         BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      r.lines().forEach(lines::add);
    }
    Map<String, Object> header = Json.parseObject(lines.getFirst());
    assertThat(header).containsEntry("format", "gantry-ledger-export/v1").containsEntry("size", size);
    List<LedgerEntry> exported = lines.subList(1, lines.size()).stream().map(LedgerEntry::fromJsonLine).toList();
    Report offline = LedgerAudit.verify(exported, Json.strings(header, "checkpoints"), key);
    assertThat(offline.ok()).as(offline.describe()).isTrue();
    assertThat(offline.entries()).isEqualTo(size);

    assertLedgerIsKeptInTheEngine(size);
  }
}
