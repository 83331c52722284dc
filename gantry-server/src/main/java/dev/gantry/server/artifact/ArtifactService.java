package dev.gantry.server.artifact;

import dev.gantry.core.account.Names;
import dev.gantry.core.artifact.ArtifactStamper;
import dev.gantry.core.artifact.JUnitReports;
import dev.gantry.core.artifact.RequirementLinks;
import dev.gantry.core.artifact.Sboms;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.ArtifactRegistered;
import dev.gantry.core.ledger.LedgerEvent.Commit;
import dev.gantry.core.ledger.LedgerEvent.Source;
import dev.gantry.core.ledger.LedgerEvent.TestsRecorded;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.provenance.Dsse;
import dev.gantry.core.provenance.EcKey;
import dev.gantry.core.provenance.ProvenanceStatement;
import dev.gantry.server.auth.ApiException;
import dev.gantry.server.system.GantryProperties;
import dev.gantry.store.BlobStore;
import dev.gantry.store.JdbcLedgerStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;

/**
 * Registration: the uploaded bytes are stamped with the next serial, both copies stored, provenance
 * signed, and one {@code artifact.registered} event appended. The serial is chosen before stamping
 * (stamping a large jar inside the ledger transaction would stall every writer); the append checks it
 * is still the next one and, if another registration took it meanwhile, the work is redone with the
 * next number.
 */
@Service
class ArtifactService {
  private static final Pattern FILENAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,199}");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
  /** Registrations racing for the same serial retry this often before giving up. */
  private static final int MAX_ATTEMPTS = 8;

  private final JdbcLedgerStore store;
  private final BlobStore blobs;
  private final ArtifactStamper stamper;
  private final EcKey provenanceKey;
  private final RequirementLinks links;
  private final SbomValidator sbomValidator;
  private final GantryProperties props;
  private final Clock clock;

  ArtifactService(JdbcLedgerStore store, BlobStore blobs, ArtifactStamper stamper, EcKey provenanceKey,
      RequirementLinks links, SbomValidator sbomValidator, GantryProperties props, Clock clock) {
    this.store = store;
    this.blobs = blobs;
    this.stamper = stamper;
    this.provenanceKey = provenanceKey;
    this.links = links;
    this.sbomValidator = sbomValidator;
    this.props = props;
    this.clock = clock;
  }

  BlobStore.Blob upload(InputStream in) throws IOException {
    try {
      return blobs.put(in, props.maxArtifactBytes());
    } catch (BlobStore.TooLarge e) {
      throw new ApiException(413, "payload-too-large", e.getMessage());
    }
  }

  /** What a registration asks for. */
  record Request(String service, String digest, String filename, Source source, boolean allowDirty,
      List<Map<String, Object>> commits, String sbom, Map<String, String> tools) {}

  /** The outcome; created is false when the same bytes were registered before (idempotent). */
  record Registered(ArtifactRecord artifact, boolean created, long seq) {}

  private static final class NumberTaken extends RuntimeException {
    NumberTaken() {
      super(null, null, false, false);
    }
  }

  private static final class AlreadyRegistered extends RuntimeException {
    final ArtifactRecord existing;

    AlreadyRegistered(ArtifactRecord existing) {
      super(null, null, false, false);
      this.existing = existing;
    }
  }

  Registered register(String actor, Request r) throws IOException {
    Names.check("service", r.service());
    if (!BlobStore.isDigest(r.digest())) {
      throw ApiException.badRequest("digest: '" + r.digest() + "' (expected 64 lower-case hex digits, from the upload)");
    }
    if (r.filename() == null || !FILENAME.matcher(r.filename()).matches()) {
      throw ApiException.badRequest("filename: '" + r.filename() + "' (expected a plain file name: letters, digits, . _ + -)");
    }
    Source src = r.source();
    if (src != null) {
      if (src.commit() != null && !COMMIT.matcher(src.commit()).matches()) {
        throw ApiException.badRequest("source.commit: '" + src.commit() + "' (expected a full hex commit id)");
      }
      if (src.dirty() && !r.allowDirty()) {
        throw new ApiException(400, "dirty-tree", "the working tree has uncommitted changes; commit them, or pass"
            + " allowDirty (recorded in the ledger and the provenance)");
      }
    }
    BlobStore.Blob blob = blobs.get(r.digest()).orElseThrow(() -> new ApiException(400, "no-such-upload",
        "no uploaded file with digest " + r.digest() + " (upload it first)"));
    List<Commit> commits = commits(r.commits());
    Sboms.Summary sbom = r.sbom() == null ? null : sbomValidator.validate(r.sbom());
    String sbomDigest = null;
    if (r.sbom() != null) {
      sbomDigest = blobs.put(new java.io.ByteArrayInputStream(r.sbom().getBytes(StandardCharsets.UTF_8)),
          props.maxDocumentBytes()).sha256();
    }
    Map<String, String> tools = new TreeMap<>();
    if (sbom != null) {
      tools.putAll(sbom.tools());
    }
    if (r.tools() != null) {
      tools.putAll(r.tools());
    }
    ArtifactStamper.Format format;
    try {
      format = ArtifactStamper.detect(blob.path());
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "unsupported-artifact", e.getMessage());
    }

    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      var existing = store.stateView(s -> s.artifactByDigest(r.service(), r.digest()));
      if (existing.isPresent()) {
        return new Registered(existing.get(), false, 0);
      }
      long number = store.stateView(s -> s.nextArtifactNumber());
      String serial = serial(number);
      Path stampedTmp = blobs.scratch(".stamp");
      BlobStore.Blob stamped;
      try {
        stamper.stamp(blob.path(), stampedTmp, format, serial, src == null ? null : src.commit());
        stamped = blobs.putFile(stampedTmp);
      } catch (IllegalArgumentException e) {
        throw new ApiException(400, "unsafe-archive", e.getMessage());
      } finally {
        Files.deleteIfExists(stampedTmp);
      }
      String now = LedgerEntry.formatTime(clock.instant());
      byte[] statement = ProvenanceStatement.build(serial, r.service(), r.filename(), stamped.sha256(), r.digest(),
          src, sbom == null ? List.of() : sbom.components(), tools,
          "https://" + store.key().name() + "/registrar/" + actor, now);
      String envelope = Dsse.sign(Dsse.IN_TOTO, statement, provenanceKey);
      ArtifactRegistered event = new ArtifactRegistered(serial, number, r.service(), r.digest(), stamped.sha256(),
          r.filename(), blob.size(), format.wire(), src, commits, sbomDigest,
          sbom == null ? List.of() : sbom.components(), tools, envelope);
      try {
        List<LedgerEntry> e = store.append(actor, state -> {
          var again = state.artifactByDigest(r.service(), r.digest());
          if (again.isPresent()) {
            throw new AlreadyRegistered(again.get());
          }
          if (state.nextArtifactNumber() != number) {
            throw new NumberTaken();
          }
          return List.<LedgerEvent>of(event);
        });
        ArtifactRecord rec = store.stateView(s -> s.artifact(serial)).orElseThrow();
        return new Registered(rec, true, e.getLast().seq());
      } catch (AlreadyRegistered a) {
        return new Registered(a.existing, false, 0);
      } catch (NumberTaken retry) {
        // another registration took this serial: stamp again with the next one
      }
    }
    throw new ApiException(409, "busy", "could not reserve a serial after " + MAX_ATTEMPTS + " attempts; try again");
  }

  private List<Commit> commits(List<Map<String, Object>> raw) {
    List<Commit> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    if (raw.size() > 10_000) {
      throw ApiException.badRequest("commits: " + raw.size() + " (expected at most 10000)");
    }
    for (Map<String, Object> m : raw) {
      String id = str(m, "id");
      if (!COMMIT.matcher(id).matches()) {
        throw ApiException.badRequest("commits[].id: '" + id + "' (expected a full hex commit id)");
      }
      String message = str(m, "message");
      if (message.length() > 10_000) {
        message = message.substring(0, 10_000);
      }
      out.add(new Commit(id, str(m, "author"), str(m, "time"), message, links.find(message)));
    }
    return out;
  }

  private static String str(Map<String, Object> m, String k) {
    if (!(m.get(k) instanceof String s)) {
      throw ApiException.badRequest("commits[]." + k + ": expected a string");
    }
    return s;
  }

  static String serial(long number) {
    return "A-" + String.format("%06d", number);
  }

  /** Records a suite run for an artifact. */
  List<LedgerEntry> recordTests(String actor, ArtifactRecord artifact, String suite, Map<String, byte[]> reports) {
    if (!suite.equals("smoke") && !suite.equals("full")) {
      throw ApiException.badRequest("suite: '" + suite + "' (expected: smoke or full)");
    }
    if (reports.isEmpty()) {
      throw ApiException.badRequest("reports: none given (expected JUnit XML files)");
    }
    JUnitReports.Result result;
    try {
      result = JUnitReports.parse(reports);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "invalid-report", e.getMessage());
    }
    return store.append(actor, state -> {
      long run = state.nextTestRun(artifact.serial(), suite);
      return List.<LedgerEvent>of(new TestsRecorded(artifact.serial(), suite, run, result.tests(), result.failures(),
          result.errors(), result.skipped(), result.cases()));
    });
  }
}
