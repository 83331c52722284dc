package dev.gantry.cli;

import static dev.gantry.cli.CliRun.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CLI against a real server process: accounts, tokens, log, proof, export and offline verification. */
class CliEndToEndIT {
  RunningServer server;
  Path dir;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "cli-e2e-");
    server = RunningServer.start(dir.resolve("data"));
    System.setProperty("gantry.url", server.url());
    System.setProperty("gantry.token", server.adminToken());
  }

  @AfterEach
  void stop() throws Exception {
    System.clearProperty("gantry.url");
    System.clearProperty("gantry.token");
    server.close();
  }

  @Test
  void accountsTokensAndTheAuditTrailWorkFromTheCommandLine() throws Exception {
    assertThat(ok("account", "create", "ci", "--kind", "robot", "--role", "deployer")).contains("created robot account 'ci'");
    assertThat(ok("account", "create", "carol", "--kind", "human", "--role", "auditor")).contains("'carol'");
    CliRun refused = CliRun.of("account", "create", "bot", "--kind", "robot", "--role", "approver");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err().strip()).isEqualTo(
        "gantry: a robot cannot hold approver (approvals are human decisions) (HTTP 403)");
    CliRun badRole = CliRun.of("account", "create", "dan", "--kind", "human", "--role", "superuser");
    assertThat(badRole.exit()).isEqualTo(1);
    assertThat(badRole.err()).contains("role: 'superuser' (expected one of: viewer, deployer, approver");
    assertThat(ok("account", "list")).contains("NAME").contains("carol").contains("ci");

    String created = ok("token", "create", "--account", "carol", "--expires-in", "1d", "--description", "audit");
    String carolToken = created.lines().filter(l -> l.startsWith("gty_")).findFirst().orElseThrow();
    assertThat(ok("token", "list")).doesNotContain(carolToken).contains("audit");

    System.setProperty("gantry.token", carolToken);
    assertThat(ok("audit", "log")).contains("account.created").contains("request.refused");
    assertThat(ok("audit", "log", "--subject", "account:ci")).contains("account:ci").doesNotContain("account:carol");
    assertThat(ok("audit", "verify")).startsWith("ok: ");
    assertThat(ok("audit", "proof", "--seq", "2")).startsWith("c2sp.org/tlog-proof@v1\nindex 1\n");

    Path export = dir.resolve("ledger.jsonl");
    assertThat(ok("audit", "export", "--out", export.toString())).contains("exported");
    Path key = server.data.resolve("checkpoint.pub");
    System.clearProperty("gantry.token");
    System.setProperty("gantry.url", "http://127.0.0.1:1"); // offline: nothing listens there
    assertThat(ok("audit", "verify", "--file", export.toString(), "--key", key.toString())).startsWith("ok: ");

    // Edit, delete, swap and append lines in copies of the export: each is caught and named.
    List<String> lines = Files.readAllLines(export);
    assertFails(export, key, copy(lines, l -> l.set(4, l.get(4).replace("\"ci\"", "\"cj\""))), "FAILED at seq 4");
    assertFails(export, key, copy(lines, l -> l.remove(3)), "FAILED at seq 3");
    assertFails(export, key, copy(lines, l -> {
      String a = l.get(5);
      l.set(5, l.get(6));
      l.set(6, a);
    }), "FAILED at seq 5");
    assertFails(export, key, copy(lines, l -> l.subList(l.size() - 2, l.size()).clear()), "truncated");
    // A key that is not the installation's is refused.
    Path otherKey = dir.resolve("other.pub");
    Files.writeString(otherKey, dev.gantry.core.note.NoteKey.generate("gantry.local/other").verifierKey());
    CliRun foreign = CliRun.of("audit", "verify", "--file", export.toString(), "--key", otherKey.toString());
    assertThat(foreign.exit()).isEqualTo(1);
    assertThat(foreign.out()).contains("does not verify");
  }

  private static List<String> copy(List<String> lines, java.util.function.Consumer<List<String>> edit) {
    List<String> c = new ArrayList<>(lines);
    edit.accept(c);
    return c;
  }

  private void assertFails(Path export, Path key, List<String> lines, String expected) throws Exception {
    Path f = dir.resolve("edited-" + System.nanoTime() + ".jsonl");
    Files.write(f, lines);
    CliRun r = CliRun.of("audit", "verify", "--file", f.toString(), "--key", key.toString());
    assertThat(r.exit()).as(r.out()).isEqualTo(1);
    assertThat(r.out()).contains(expected);
  }
}
