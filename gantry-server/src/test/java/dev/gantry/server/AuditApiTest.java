package dev.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.client.GantryClient;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import dev.gantry.core.merkle.MerkleTree;
import dev.gantry.core.merkle.Sha256;
import dev.gantry.core.note.Checkpoint;
import dev.gantry.core.note.NoteKey;
import dev.gantry.core.note.TlogProof;
import dev.gantry.store.LedgerAudit;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The audit API: verification, gapless entries, inclusion proofs against signed checkpoints, export. */
class AuditApiTest extends ApiTestSupport {
  private static final String EXPORT_FORMAT = "gantry-ledger-export/v1";

  /** The verifier key as an auditor gets it: from the data directory, not from the server. */
  NoteKey verifier() throws IOException {
    return NoteKey.parseVerifier(Files.readString(dataDirectory.publicKeyFile()));
  }

  /** Some history of every kind, so that proofs and exports cover more than the bootstrap. */
  @BeforeEach
  void someHistory() {
    String robot = unique("ci");
    String token = account(robot, "robot", "deployer");
    admin().setRoles(robot, List.of("deployer", "viewer"));
    String human = unique("bob");
    account(human, "human", "approver");
    admin().disableAccount(human, "moved team");
    client(token).revokeToken((String) client(token).whoami().get("tokenId"));
    refused(403, "separation-of-duties", () -> admin().createAccount(unique("x"), "robot", List.of("admin")));
  }

  /** An entry of the entries API as the ledger stores it (the body back in canonical form). */
  @SuppressWarnings("unchecked")
  static LedgerEntry asEntry(Map<String, Object> e) {
    return new LedgerEntry((Long) e.get("seq"), (String) e.get("time"), (String) e.get("actor"), (String) e.get("type"),
        (String) e.get("subject"), Json.canonical(e.get("body")), (String) e.get("prev"), (String) e.get("hash"));
  }

  @Test
  void auditorVerifiesTheLedger() {
    Map<String, Object> report = auditor().verify();
    assertThat(report.get("ok")).as("%s", report).isEqualTo(true);
    assertThat(report.get("entries")).isEqualTo(ledgerSize());
    assertThat((Long) report.get("checkpoints")).isPositive();
    assertThat(report.get("summary")).asString().startsWith("ok: ");
  }

  @Test
  void entriesAreGaplessAndHashChained() {
    List<Map<String, Object>> entries = new ArrayList<>();
    long next = 1;
    while (true) {
      List<Object> page = auditor().entries(next, 7, null);
      if (page.isEmpty()) {
        break;
      }
      page.forEach(e -> entries.add(asMap(e)));
      next += page.size();
    }
    assertThat(entries).hasSize((int) ledgerSize());
    String prev = LedgerEntry.GENESIS_PREV;
    for (int i = 0; i < entries.size(); i++) {
      LedgerEntry e = asEntry(entries.get(i));
      assertThat(e.seq()).isEqualTo(i + 1);
      assertThat(e.prevHash()).as("prev of seq %d", e.seq()).isEqualTo(prev);
      assertThat(Sha256.hex(Sha256.hash(e.canonicalBytes()))).as("hash of seq %d", e.seq()).isEqualTo(e.hash());
      assertThat(e.event().type()).isEqualTo(e.type());
      prev = e.hash();
    }
    assertThat(entries.getFirst().get("type")).isEqualTo("installation.initialized");
    assertThat(asMap(entries.getFirst().get("body")).get("verifierKey")).isEqualTo(dataDirectory.verifierKey().verifierKey());
  }

  @Test
  void entriesCanBeFilteredBySubject() {
    String name = unique("subject");
    account(name, "human", "viewer");
    admin().setRoles(name, List.of("operator"));
    List<Object> about = auditor().entries(1, 100, "account:" + name);
    assertThat(about).extracting(e -> asMap(e).get("type")).containsExactly("account.created", "account.roles-set");
  }

  @Test
  void everyEntryHasAnInclusionProofAgainstASignedCheckpoint() throws IOException {
    NoteKey key = verifier();
    long size = ledgerSize();
    List<Map<String, Object>> entries = entriesFrom(1);
    for (long seq = 1; seq <= size; seq++) {
      TlogProof proof = TlogProof.parse(auditor().proof(seq));
      Checkpoint cp = Checkpoint.verify(proof.signedCheckpoint(), key);
      byte[] leaf = asEntry(entries.get((int) seq - 1)).leafHash();

      assertThat(proof.index()).isEqualTo(seq - 1);
      assertThat(cp.origin()).isEqualTo(key.name());
      assertThat(cp.size()).isGreaterThanOrEqualTo(seq);
      assertThat(MerkleTree.verifyInclusion(proof.index(), cp.size(), leaf, proof.proof(), cp.root()))
          .as("inclusion of seq %d in the tree of size %d", seq, cp.size()).isTrue();
      byte[] other = asEntry(entries.get((int) (seq % size))).leafHash();
      assertThat(MerkleTree.verifyInclusion(proof.index(), cp.size(), other, proof.proof(), cp.root()))
          .as("another entry does not verify at seq %d", seq).isEqualTo(size == 1);
    }
  }

  @Test
  void proofOfANewEntrySignsACheckpointThatCoversIt() throws IOException {
    NoteKey key = verifier();
    Checkpoint before = Checkpoint.verify(auditor().latestCheckpoint(), key);
    String name = unique("late");
    account(name, "human", "viewer");
    long seq = ledgerSize();
    assertThat(before.size()).isLessThan(seq);

    TlogProof proof = TlogProof.parse(auditor().proof(seq));
    Checkpoint cp = Checkpoint.verify(proof.signedCheckpoint(), key);
    assertThat(cp.size()).isEqualTo(seq);
    assertThat(MerkleTree.verifyInclusion(seq - 1, cp.size(), asEntry(entry(seq)).leafHash(), proof.proof(), cp.root()))
        .isTrue();
    assertThat(Checkpoint.verify(auditor().latestCheckpoint(), key)).isEqualTo(cp);
  }

  @Test
  void proofOutsideTheLedgerIsABadRequest() {
    String name = (String) auditor().whoami().get("account");
    Map<String, Object> problem = refusedWithoutChange(name, "GET", "/api/v1/audit/proof", 400, "bad-request",
        () -> auditor().proof(0));
    assertThat(problem.get("detail")).asString().contains("seq: 0");
    long beyond = ledgerSize() + 1;
    problem = refusedWithoutChange(name, "GET", "/api/v1/audit/proof", 400, "bad-request",
        () -> auditor().proof(beyond));
    assertThat(problem.get("detail")).asString().contains("seq: " + beyond);
  }

  @Test
  void auditorSignsCheckpointsOfTheCurrentHead() throws IOException {
    Checkpoint cp = Checkpoint.verify(auditor().signCheckpoint(), verifier());
    assertThat(cp.size()).isEqualTo(ledgerSize());
    List<Map<String, Object>> entries = entriesFrom(1);
    byte[] root = MerkleTree.root(i -> asEntry(entries.get((int) i)).leafHash(), cp.size());
    assertThat(cp.root()).isEqualTo(root);
  }

  @Test
  void exportIsAHeaderThenOneCanonicalLinePerEntry() throws IOException {
    NoteKey key = verifier();
    List<String> lines = new ArrayList<>();
    try (InputStream in = auditor().export();
         BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lines.add(line);
      }
    }
    Map<String, Object> header = Json.parseObject(lines.getFirst());
    assertThat(header.get("format")).isEqualTo(EXPORT_FORMAT);
    assertThat(header.get("origin")).isEqualTo(key.name());
    assertThat(header.get("verifierKey")).isEqualTo(key.verifierKey());
    List<String> checkpoints = Json.strings(header, "checkpoints");
    assertThat(checkpoints).isNotEmpty();
    Checkpoint newest = Checkpoint.verify(checkpoints.getLast(), key);
    assertThat(header.get("size")).isEqualTo(newest.size());
    assertThat(newest.size()).isEqualTo(ledgerSize());

    List<LedgerEntry> entries = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      LedgerEntry e = LedgerEntry.fromJsonLine(line);
      assertThat(e.toJsonLine()).as("line is canonical").isEqualTo(line);
      assertThat(e.seq()).isEqualTo(entries.size() + 1);
      entries.add(e);
    }
    assertThat(entries).hasSize((int) newest.size());

    Report report = LedgerAudit.verify(entries, checkpoints, key);
    assertThat(report.ok()).as(report.describe()).isTrue();
    assertThat(report.entries()).isEqualTo(newest.size());
  }

  @Test
  void adminCannotVerifyOrExportTheLedger() {
    refusedWithoutChange(ADMIN, "GET", "/api/v1/audit/verify", 403, "forbidden", () -> admin().verify());
    refusedWithoutChange(ADMIN, "GET", "/api/v1/audit/export", 403, "forbidden", () -> admin().export().close());
    refusedWithoutChange(ADMIN, "GET", "/api/v1/audit/entries", 403, "forbidden", () -> admin().entries(1, 10, null));
    refusedWithoutChange(ADMIN, "POST", "/api/v1/audit/checkpoints", 403, "forbidden", () -> admin().signCheckpoint());
  }

  @Test
  void viewerReadsEntriesAndProofsButCannotVerifyOrExport() {
    String name = unique("viewer");
    GantryClient viewer = client(account(name, "human", "viewer"));
    assertThat(viewer.entries(1, 5, null)).hasSize(5);
    assertThat(TlogProof.parse(viewer.proof(1)).index()).isZero();
    refusedWithoutChange(name, "GET", "/api/v1/audit/verify", 403, "forbidden", viewer::verify);
    refusedWithoutChange(name, "GET", "/api/v1/audit/export", 403, "forbidden", () -> viewer.export().close());
  }

  @Test
  void entriesPagesAreBounded() {
    String name = (String) auditor().whoami().get("account");
    refusedWithoutChange(name, "GET", "/api/v1/audit/entries", 400, "bad-request", () -> auditor().entries(1, 0, null));
    refusedWithoutChange(name, "GET", "/api/v1/audit/entries", 400, "bad-request",
        () -> auditor().entries(1, 1001, null));
    refusedWithoutChange(name, "GET", "/api/v1/audit/entries", 400, "bad-request", () -> auditor().entries(0, 10, null));
    assertThat(auditor().entries(ledgerSize() + 1, 10, null)).isEmpty();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o) {
    return (Map<String, Object>) o;
  }
}
