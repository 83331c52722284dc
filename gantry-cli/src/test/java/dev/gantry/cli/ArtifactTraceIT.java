package dev.gantry.cli;

import static dev.gantry.cli.CliRun.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.client.GantryApiException;
import dev.gantry.client.GantryClient;
import dev.gantry.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import dev.gantry.cli.system.DemoRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example pricing service, built by this Maven reactor with its CycloneDX BOM and surefire reports,
 * is registered from a real git repository the test creates, traced back to its commit and requirement,
 * and its provenance is verified by OpenSSL and by {@code gantry artifact verify}; a one-byte change to the
 * artifact or the envelope fails verification.
 */
class ArtifactTraceIT {
  static final Path EXAMPLE = Path.of(System.getProperty("gantry.home", "../"), "examples", "pricing-service");

  RunningServer server;
  Path dir;
  Path repo;
  String linkedCommit;
  String unlinkedCommit;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "artifact-e2e-");
    server = RunningServer.start(dir.resolve("data"), "--gantry.max-artifact-bytes=3000000");
    GantryClient admin = server.client(server.adminToken());
    admin.createAccount("ci", "robot", List.of("deployer"));
    String ci = (String) admin.createToken("ci", "1d", "pipeline").get("token");
    System.setProperty("gantry.url", server.url());
    System.setProperty("gantry.token", ci);

    // A real repository with the example's sources: one commit linked to a requirement, one not.
    repo = dir.resolve("pricing-repo");
    DemoRepository.Commits commits = DemoRepository.create(EXAMPLE, repo);
    linkedCommit = commits.linked();
    unlinkedCommit = commits.unlinked();
  }

  @AfterEach
  void stop() throws Exception {
    System.clearProperty("gantry.url");
    System.clearProperty("gantry.token");
    server.close();
  }

  @Test
  void registeredBuildTracesBackToCommitRequirementAndTestsAndItsProvenanceVerifies() throws Exception {
    Path jar = EXAMPLE.resolve("target/pricing-service.jar");
    Path sbom = EXAMPLE.resolve("target/classes/META-INF/sbom/application.cdx.json");
    Path reports = EXAMPLE.resolve("target/surefire-reports");
    assertThat(jar).as("built by the reactor").exists();

    String out = ok("artifact", "register", "--service", "pricing", "--file", jar.toString(), "--sbom", sbom.toString(),
        "--tests", reports.toString(), "--suite", "smoke", "--git", repo.toString(), "--tool", "maven=3.9.16");
    assertThat(out).contains("registered A-000001 of pricing").contains("2 since the previous artifact")
        .contains("smoke tests        3 run, 0 failed");

    // Idempotent: the same bytes get the same serial, never a second one.
    assertThat(ok("artifact", "register", "--service", "pricing", "--file", jar.toString(), "--git", repo.toString()))
        .contains("already registered as A-000001");

    String trace = ok("trace", "A-000001");
    assertThat(trace).contains("provenance  signature valid")
        .contains("https://git.example.com/desk/pricing.git @ " + unlinkedCommit + " (main)")
        .contains(linkedCommit.substring(0, 12)).contains("[PRC-101]")
        .contains(unlinkedCommit.substring(0, 12)).contains("UNLINKED")
        .contains("tests       smoke run 1: 3 tests, all passed, 0 skipped")
        .contains("artifact.registered by ci").contains("artifact.tests-recorded by ci")
        .contains("maven=3.9.16").contains("cyclonedx-maven-plugin");
    assertThat(ok("requirements", "show", "PRC-101")).contains(linkedCommit.substring(0, 12)).contains("A-000001");
    assertThat(ok("tests", "history", "example.pricing.QuotesTest#midIsTheAverageOfBidAndAsk"))
        .contains("A-000001").contains("smoke").contains("passed");

    // A full suite later, as evidence added after registration.
    assertThat(ok("artifact", "tests", "A-000001", "--tests", reports.toString(), "--suite", "full"))
        .contains("full suite run 1: 3 tests");

    // The stamped jar reports its own serial.
    GantryClient c = server.client(System.getProperty("gantry.token"));
    Path stamped = dir.resolve("pricing-service.jar");
    c.downloadArtifact("A-000001", true, stamped);
    Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        stamped.toString(), "--print-serial").start();
    assertThat(new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()).isEqualTo("A-000001");
    assertThat(run.waitFor()).isZero();

    // Provenance, offline: our verifier, then OpenSSL (no Gantry code involved).
    Path envelope = dir.resolve("pricing.intoto.json");
    Files.writeString(envelope, ok("artifact", "provenance", "A-000001"));
    Path key = dir.resolve("provenance.pub");
    Files.writeString(key, ok("artifact", "provenance", "--key"));
    assertThat(ok("artifact", "verify", stamped.toString(), "--provenance", envelope.toString(), "--key", key.toString()))
        .startsWith("ok: signature valid").contains("serial A-000001");
    Map<String, Object> env = Json.parseObject(Files.readString(envelope));
    byte[] payload = Base64.getDecoder().decode((String) env.get("payload"));
    String sig = (String) ((Map<?, ?>) ((List<?>) env.get("signatures")).get(0)).get("sig");
    assertThat(openssl(key, Base64.getDecoder().decode(sig), independentPae(payload))).contains("Verified OK");
    Map<String, Object> statement = Json.parseObject(new String(payload, StandardCharsets.UTF_8));
    assertThat(Json.write(statement)).contains(sha256(stamped)).contains("\"gitCommit\":\"" + unlinkedCommit + "\"")
        .contains("\"invocationId\":\"A-000001\"");

    // One byte changed in the artifact, or in the envelope: both fail.
    Path altered = dir.resolve("altered.jar");
    byte[] bytes = Files.readAllBytes(stamped);
    bytes[bytes.length / 2] ^= 1;
    Files.write(altered, bytes);
    CliRun badFile = CliRun.of("artifact", "verify", altered.toString(), "--provenance", envelope.toString(),
        "--key", key.toString());
    assertThat(badFile.exit()).isEqualTo(1);
    assertThat(badFile.out()).contains("is not the provenance subject");
    byte[] tampered = payload.clone();
    tampered[tampered.length / 2] ^= 1;
    Path badEnvelope = dir.resolve("bad.intoto.json");
    Files.writeString(badEnvelope, Files.readString(envelope).replace((String) env.get("payload"),
        Base64.getEncoder().encodeToString(tampered)));
    CliRun badEnv = CliRun.of("artifact", "verify", stamped.toString(), "--provenance", badEnvelope.toString(),
        "--key", key.toString());
    assertThat(badEnv.exit()).isEqualTo(1);
    assertThat(badEnv.out()).contains("no signature verifies");
    assertThat(openssl(key, Base64.getDecoder().decode(sig), independentPae(tampered))).doesNotContain("Verified OK");

    // The audit still verifies with artifacts in the ledger (replay of artifact projections included).
    System.setProperty("gantry.token", (String) server.client(server.adminToken()).createToken(
        createAuditor(), "1d", "audit").get("token"));
    assertThat(ok("audit", "verify")).startsWith("ok: ");
  }

  @Test
  void badInputIsRefusedAndLeavesNothingBehind() throws Exception {
    Path jar = EXAMPLE.resolve("target/pricing-service.jar");
    // A dirty tree is refused unless --allow-dirty, which is then recorded.
    Files.writeString(repo.resolve("src/main/java/example/pricing/Quotes.java"), "// edited\n",
        java.nio.file.StandardOpenOption.APPEND);
    CliRun dirty = CliRun.of("artifact", "register", "--service", "pricing", "--file", jar.toString(), "--git",
        repo.toString());
    assertThat(dirty.exit()).isEqualTo(1);
    assertThat(dirty.err()).contains("uncommitted changes").contains("Quotes.java").contains("--allow-dirty");

    // An SBOM that fails the CycloneDX schema is refused with the validator's reasons.
    Path badBom = dir.resolve("bad-bom.json");
    Files.writeString(badBom, "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"nonsense\"}]}");
    CliRun bom = CliRun.of("artifact", "register", "--service", "pricing", "--file", jar.toString(), "--sbom",
        badBom.toString(), "--git", repo.toString(), "--allow-dirty");
    assertThat(bom.exit()).isEqualTo(1);
    assertThat(bom.err()).contains("does not validate against CycloneDX 1.5");

    // An upload over the server's limit (3 MB here) is cut off; nothing is stored.
    Path big = dir.resolve("big.jar");
    Files.write(big, new byte[3_500_000]);
    CliRun tooBig = CliRun.of("artifact", "register", "--service", "pricing", "--file", big.toString(), "--no-git");
    assertThat(tooBig.exit()).isEqualTo(1);
    assertThat(tooBig.err()).contains("413");
    // A file that is not a jar or a tar.gz is refused.
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "not an artifact");
    CliRun notArtifact = CliRun.of("artifact", "register", "--service", "pricing", "--file", text.toString(), "--no-git");
    assertThat(notArtifact.exit()).isEqualTo(1);
    assertThat(notArtifact.err()).contains("neither a jar");

    // None of it registered anything, and no partial upload is left in the store's scratch area.
    assertThat(server.client(System.getProperty("gantry.token")).artifacts(null)).isEmpty();
    try (Stream<Path> s = Files.list(server.data.resolve("blobs/tmp"))) {
      assertThat(s.toList()).isEmpty();
    }
    // --allow-dirty registers and records it.
    assertThat(ok("artifact", "register", "--service", "pricing", "--file", jar.toString(), "--git", repo.toString(),
        "--allow-dirty")).contains("registered A-000001");
    assertThat(ok("trace", "A-000001")).contains("DIRTY");
  }

  @Test
  void anInterruptedUploadLeavesNothingBehind() throws Exception {
    try (java.net.Socket sock = new java.net.Socket("127.0.0.1", server.port)) {
      var out = sock.getOutputStream();
      out.write(("POST /api/v1/artifacts/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + System.getProperty("gantry.token") + "\r\nContent-Type: application/octet-stream\r\n"
          + "Content-Length: 1000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[200_000]);
      out.flush();
    } // the client goes away mid-upload
    Path tmp = server.data.resolve("blobs/tmp");
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) { // a real server notices the cut connection in its own time
      try (Stream<Path> s = Files.list(tmp)) {
        if (s.findAny().isEmpty()) {
          break;
        }
      }
      Thread.sleep(100);
    }
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.toList()).isEmpty();
    }
    Path stored = server.data.resolve("blobs/sha256");
    if (Files.exists(stored)) {
      try (Stream<Path> s = Files.walk(stored)) {
        assertThat(s.filter(Files::isRegularFile).toList()).isEmpty();
      }
    }
  }

  @Test
  void commitsCheckFailsOnUnlinkedCommitsAndWorksAsACommitMsgHook() throws Exception {
    CliRun range = CliRun.of("commits", "check", "--git", repo.toString(), "--range", linkedCommit + "~0.." + unlinkedCommit);
    assertThat(range.exit()).isEqualTo(1);
    assertThat(range.out()).contains("UNLINKED").contains("tidy readme");
    Path msg = dir.resolve("COMMIT_EDITMSG");
    Files.writeString(msg, "PRC-7 add GBP quotes\n# comment\n");
    assertThat(ok("commits", "check", "--message-file", msg.toString())).contains("PRC-7");
    Files.writeString(msg, "wip\n");
    assertThat(CliRun.of("commits", "check", "--message-file", msg.toString()).exit()).isEqualTo(1);
  }

  private String createAuditor() {
    server.client(System.getProperty("gantry.token"));
    try {
      server.client(server.adminToken()).createAccount("carol", "human", List.of("auditor"));
    } catch (GantryApiException exists) {
      // created by an earlier step
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return "carol";
  }

  /** PAE written out here, from the DSSE spec, so that this check shares no code with Gantry's. */
  private static byte[] independentPae(byte[] payload) {
    String type = "application/vnd.in-toto+json";
    byte[] head = ("DSSEv1 " + type.length() + " " + type + " " + payload.length + " ").getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[head.length + payload.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(payload, 0, all, head.length, payload.length);
    return all;
  }

  private String openssl(Path key, byte[] sig, byte[] data) throws Exception {
    Path s = Files.createTempFile(dir, "sig", ".der");
    Path d = Files.createTempFile(dir, "pae", ".bin");
    Files.write(s, sig);
    Files.write(d, data);
    Process p = new ProcessBuilder("openssl", "dgst", "-sha256", "-verify", key.toString(), "-signature", s.toString(),
        d.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private static String sha256(Path f) throws Exception {
    return dev.gantry.core.merkle.Sha256.hex(dev.gantry.core.merkle.Sha256.hash(Files.readAllBytes(f)));
  }
}
