package dev.gantry.core.provenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEvent.Component;
import dev.gantry.core.ledger.LedgerEvent.Source;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DSSE signatures checked by OpenSSL, an implementation that shares no code with ours. */
class DsseTest {
  @TempDir
  Path dir;

  static byte[] statement() {
    return ProvenanceStatement.build("A-000001", "pricing", "pricing.jar", "ab".repeat(32), "cd".repeat(32),
        new Source("https://git.example/pricing.git", "e".repeat(40), "main", false),
        List.of(new Component("pkg:maven/a/b@1", "b", "1", "pkg:maven/a/b@1", List.of("SHA-256:" + "f".repeat(64)))),
        Map.of("maven", "3.9.16", "java", "25"), "https://gantry.local/x/registrar/ci", "2026-11-26T00:00:00.000Z");
  }

  @Test
  void paeFollowsTheSpec() {
    assertThat(new String(Dsse.pae("http://example.com/HelloWorld", "hello world".getBytes()), StandardCharsets.UTF_8))
        .isEqualTo("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  }

  @Test
  void statementIsInTotoV1WithSlsaProvenance() {
    Map<String, Object> s = Json.parseObject(new String(statement(), StandardCharsets.UTF_8));
    assertThat(s.get("_type")).isEqualTo("https://in-toto.io/Statement/v1");
    assertThat(s.get("predicateType")).isEqualTo("https://slsa.dev/provenance/v1");
    assertThat(ProvenanceStatement.subjectDigest(statement())).isEqualTo("ab".repeat(32));
    assertThat(Json.write(s)).contains("\"invocationId\":\"A-000001\"").contains("\"gitCommit\":\"" + "e".repeat(40));
  }

  @Test
  void envelopeVerifiesWithOpenSslAndAnyChangeFails() throws Exception {
    EcKey key = EcKey.generate();
    String envelope = Dsse.sign(Dsse.IN_TOTO, statement(), key);
    assertThat(Dsse.verify(envelope, EcKey.publicFromPem(key.publicPem())).payload()).isEqualTo(statement());

    Map<String, Object> env = Json.parseObject(envelope);
    byte[] payload = Base64.getDecoder().decode((String) env.get("payload"));
    byte[] sig = Base64.getDecoder().decode((String) ((Map<?, ?>) ((List<?>) env.get("signatures")).get(0)).get("sig"));
    Path pub = dir.resolve("provenance.pub");
    Files.writeString(pub, key.publicPem());
    Path sigFile = dir.resolve("sig.der");
    Files.write(sigFile, sig);
    Path pae = dir.resolve("pae.bin");
    Files.write(pae, Dsse.pae(Dsse.IN_TOTO, payload));
    assertThat(openssl(pub, sigFile, pae)).contains("Verified OK");

    byte[] tampered = payload.clone();
    tampered[10] ^= 1;
    Files.write(pae, Dsse.pae(Dsse.IN_TOTO, tampered));
    assertThat(openssl(pub, sigFile, pae)).doesNotContain("Verified OK");

    String changed = envelope.replace((String) env.get("payload"),
        Base64.getEncoder().encodeToString(tampered));
    assertThatThrownBy(() -> Dsse.verify(changed, key)).hasMessageContaining("no signature verifies");
    assertThatThrownBy(() -> Dsse.verify(envelope, EcKey.generate())).hasMessageContaining("no signature verifies");
  }

  private static String openssl(Path pub, Path sig, Path data) throws Exception {
    Process p = new ProcessBuilder("openssl", "dgst", "-sha256", "-verify", pub.toString(), "-signature",
        sig.toString(), data.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }
}
