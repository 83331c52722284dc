package dev.gantry.core.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignedNoteTest {
  @Test
  void checkpointRoundTripsAndVerifiesWithTheVerifierKey() {
    NoteKey key = NoteKey.generate("gantry.test/ledger");
    Checkpoint cp = new Checkpoint("gantry.test/ledger", 42, new byte[32]);
    String signed = cp.sign(key).format();
    assertThat(signed).startsWith("gantry.test/ledger\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 gantry.test/ledger ");
    NoteKey verifier = NoteKey.parseVerifier(key.verifierKey());
    assertThat(Checkpoint.verify(signed, verifier)).isEqualTo(cp);
  }

  @Test
  void keyIdFollowsTheSignedNoteRule() {
    // Go's note package: keyHash = SHA-256(name || "\n" || 0x01 || key)[:4]; checked against a key from the spec's shape.
    NoteKey key = NoteKey.generate("example.com/log");
    var d = dev.gantry.core.merkle.Sha256.newDigest();
    d.update("example.com/log\n".getBytes());
    d.update((byte) 1);
    d.update(key.publicKey());
    assertThat(key.keyId()).isEqualTo(java.util.Arrays.copyOf(d.digest(), 4));
  }

  @Test
  void alteredTextOrForeignKeyIsRejected() {
    NoteKey key = NoteKey.generate("a.example/log");
    String signed = new Checkpoint("a.example/log", 1, new byte[32]).sign(key).format();
    String altered = signed.replaceFirst("\n1\n", "\n2\n");
    assertThatThrownBy(() -> Checkpoint.verify(altered, key)).hasMessageContaining("no valid signature");
    NoteKey other = NoteKey.generate("a.example/log");
    assertThatThrownBy(() -> Checkpoint.verify(signed, other)).hasMessageContaining("no valid signature");
    assertThatThrownBy(() -> NoteKey.parseVerifier(key.verifierKey().replaceFirst("\\+[0-9a-f]{8}\\+", "+00000000+")))
        .hasMessageContaining("key id");
  }

  @Test
  void tlogProofRoundTrips() {
    NoteKey key = NoteKey.generate("a.example/log");
    String cp = new Checkpoint("a.example/log", 3, new byte[32]).sign(key).format();
    TlogProof p = new TlogProof(null, 2, List.of(new byte[32], new byte[32]), cp);
    String text = p.format();
    assertThat(text).startsWith("c2sp.org/tlog-proof@v1\nindex 2\n");
    TlogProof back = TlogProof.parse(text);
    assertThat(back.index()).isEqualTo(2);
    assertThat(back.proof()).hasSize(2);
    assertThat(back.signedCheckpoint()).isEqualTo(cp);
  }
}
