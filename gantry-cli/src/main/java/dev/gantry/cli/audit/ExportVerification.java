package dev.gantry.cli.audit;

import dev.gantry.cli.CliException;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerExport;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import dev.gantry.core.note.Checkpoint;
import dev.gantry.core.note.NoteKey;
import dev.gantry.store.LedgerAudit;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/** Verifies an export file offline against a trusted key: chain, checkpoints, replay, coverage. */
final class ExportVerification {
  private ExportVerification() {}

  static Report verify(Path file, NoteKey trusted, PrintWriter err) throws IOException {
    if (!Files.exists(file)) {
      throw new CliException("no export file " + file);
    }
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = in.readLine();
      if (first == null) {
        throw new CliException(file + " is empty");
      }
      LedgerExport.Header h;
      try {
        h = LedgerExport.parseHeader(first);
      } catch (IllegalArgumentException e) {
        throw new CliException(file + ": " + e.getMessage());
      }
      if (!h.verifierKey().strip().equals(trusted.verifierKey())) {
        err.println("gantry: note: the export names the key " + h.verifierKey() + "; verifying with the trusted "
            + trusted.verifierKey());
      }
      Lines lines = new Lines(in);
      Report r = LedgerAudit.verify(() -> lines, h.checkpoints(), trusted);
      if (lines.error != null && (r.ok() || r.badSeq() >= lines.errorSeq)) {
        return new Report(false, r.entries(), r.checkpoints(), lines.errorSeq, lines.error, r.root());
      }
      if (!r.ok()) {
        return r;
      }
      long covered = h.checkpoints().stream().mapToLong(c -> Checkpoint.verify(c, trusted).size()).max().orElse(0);
      if (r.entries() > covered) {
        return new Report(false, r.entries(), r.checkpoints(), covered + 1,
            "entries after seq " + covered + " are not covered by any signed checkpoint (appended after the export)",
            r.root());
      }
      return r;
    }
  }

  /** Entries from the remaining lines; a malformed line ends the stream and is reported by its seq. */
  private static final class Lines implements Iterator<LedgerEntry> {
    private final BufferedReader in;
    private LedgerEntry next;
    private long lineNo = 1;
    String error;
    long errorSeq;

    Lines(BufferedReader in) {
      this.in = in;
    }

    @Override
    public boolean hasNext() {
      if (next != null) {
        return true;
      }
      if (error != null) {
        return false;
      }
      try {
        String line = in.readLine();
        if (line == null) {
          return false;
        }
        lineNo++;
        try {
          next = LedgerEntry.fromJsonLine(line);
        } catch (IllegalArgumentException e) {
          error = "line " + lineNo + " is not a ledger entry: " + e.getMessage();
          errorSeq = lineNo - 1; // line 2 holds seq 1
          return false;
        }
        return true;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public LedgerEntry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      LedgerEntry e = next;
      next = null;
      return e;
    }
  }
}
