package dev.gantry.server.audit;

import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerExport;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import dev.gantry.core.note.Checkpoint;
import dev.gantry.server.auth.Access;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.auth.Principal;
import dev.gantry.store.JdbcLedgerStore;
import dev.gantry.store.LedgerAudit;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import static dev.gantry.core.account.Role.AUDITOR;
import static dev.gantry.core.account.Role.VIEWER;

/** Read and verify the ledger. Auditors may do everything here; viewers may read entries and proofs. */
@RestController
@RequestMapping("/api/v1/audit")
class AuditController {
  private static final int MAX_PAGE = 1000;

  private final JdbcLedgerStore store;

  AuditController(JdbcLedgerStore store) {
    this.store = store;
  }

  @GetMapping("/verify")
  Map<String, Object> verify(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    Access.require(p, AUDITOR);
    Report r = LedgerAudit.verify(store.database(), store.key());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", r.ok());
    m.put("entries", r.entries());
    m.put("checkpoints", r.checkpoints());
    m.put("root", r.root());
    if (!r.ok()) {
      m.put("badSeq", r.badSeq());
      m.put("problem", r.problem());
    }
    m.put("summary", r.describe());
    return m;
  }

  @GetMapping("/entries")
  List<Map<String, Object>> entries(@RequestAttribute(Principal.ATTRIBUTE) Principal p,
      @RequestParam(defaultValue = "1") long from, @RequestParam(defaultValue = "100") int limit,
      @RequestParam(required = false) String subject) {
    Access.require(p, AUDITOR, VIEWER);
    if (limit < 1 || limit > MAX_PAGE) {
      throw ApiException.badRequest("limit: " + limit + " (expected: 1.." + MAX_PAGE + ")");
    }
    if (from < 1) {
      throw ApiException.badRequest("from: " + from + " (expected: >= 1)");
    }
    List<Map<String, Object>> out = new ArrayList<>();
    if (subject == null) {
      store.scan(from, from + limit - 1, e -> out.add(view(e)));
    } else {
      store.scanSubject(subject, from, limit, e -> out.add(view(e)));
    }
    return out;
  }

  @GetMapping(path = "/proof", produces = MediaType.TEXT_PLAIN_VALUE)
  String proof(@RequestAttribute(Principal.ATTRIBUTE) Principal p, @RequestParam long seq) {
    Access.require(p, AUDITOR, VIEWER);
    return store.inclusionProof(seq);
  }

  @PostMapping(path = "/checkpoints", produces = MediaType.TEXT_PLAIN_VALUE)
  String sign(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    Access.require(p, AUDITOR);
    return store.signCheckpoint();
  }

  @GetMapping(path = "/checkpoint", produces = MediaType.TEXT_PLAIN_VALUE)
  String latest(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    Access.require(p, AUDITOR, VIEWER);
    return store.latestCheckpoint().orElseGet(store::signCheckpoint);
  }

  /**
   * JSON Lines: a header (format, origin, verifier key, every signed checkpoint, the newest signed now),
   * then one canonical entry per line up to the newest checkpoint.
   */
  @GetMapping(path = "/export", produces = "application/x-ndjson")
  ResponseEntity<StreamingResponseBody> export(@RequestAttribute(Principal.ATTRIBUTE) Principal p) {
    Access.require(p, AUDITOR);
    String newest = store.signCheckpoint();
    long size = Checkpoint.verify(newest, store.key()).size();
    List<String> checkpoints = store.checkpoints();
    String header = LedgerExport.header(store.key().name(), store.key().verifierKey(), size, checkpoints);
    StreamingResponseBody body = out -> {
      BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
      w.write(header);
      w.write('\n');
      try {
        store.scan(1, size, e -> {
          try {
            w.write(e.toJsonLine());
            w.write('\n');
          } catch (java.io.IOException ex) {
            throw new UncheckedIOException(ex);
          }
        });
      } catch (UncheckedIOException ex) {
        throw ex.getCause();
      }
      w.flush();
    };
    return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/x-ndjson")).body(body);
  }

  static Map<String, Object> view(LedgerEntry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", e.seq());
    m.put("time", e.time());
    m.put("actor", e.actor());
    m.put("type", e.type());
    m.put("subject", e.subject());
    m.put("body", Json.parse(e.bodyJson()));
    m.put("prev", e.prevHash());
    m.put("hash", e.hash());
    return m;
  }
}
