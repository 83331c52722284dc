package dev.gantry.cli.audit;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.CliException;
import dev.gantry.core.ledger.LedgerVerifier.Report;
import dev.gantry.core.note.NoteKey;
import dev.gantry.store.DataDirectory;
import dev.gantry.store.Database;
import dev.gantry.store.LedgerAudit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry audit verify}: on the server (default), directly on a data directory or database
 * ({@code --data}, no server needed), or on an export file with a trusted key ({@code --file --key}).
 * Exits 1 naming the first bad sequence number.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Check the hash chain, the Merkle root against the signed checkpoints, and the replay.")
public final class AuditVerifyCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @ArgGroup(exclusive = true)
  Source source;

  static final class Source {
    @Option(names = "--data", description = "verify the database in this data directory (no server)")
    Path data;

    @Option(names = "--file", description = "verify an export file (no server); needs --key")
    Path file;
  }

  @Option(names = "--database", description = "with --data: a jdbc:postgresql: URL instead of DIR/gantry.db")
  String database;

  @Option(names = "--key", description = "the trusted verifier key file (checkpoint.pub)")
  Path key;

  @Override
  public Integer call() throws IOException {
    var out = spec.commandLine().getOut();
    if (source == null) {
      Map<String, Object> r = CliConfig.client().verify();
      out.println(r.get("summary"));
      return Boolean.TRUE.equals(r.get("ok")) ? 0 : 1;
    }
    Report r;
    if (source.file != null) {
      if (key == null) {
        throw new CliException("--file needs --key KEYFILE: the verifier key you trust, obtained apart from the export", 2);
      }
      r = ExportVerification.verify(source.file, readKey(key), spec.commandLine().getErr());
    } else {
      DataDirectory dir = new DataDirectory(source.data);
      String url = database != null ? database : dir.database().toString();
      if (database == null && !Files.exists(dir.database())) {
        throw new CliException("no ledger at " + dir.database());
      }
      NoteKey k = key != null ? readKey(key) : dir.verifierKey();
      try (Database db = Database.open(url)) {
        r = LedgerAudit.verify(db, k);
      }
    }
    out.println(r.describe());
    return r.ok() ? 0 : 1;
  }

  static NoteKey readKey(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new CliException("no key file " + file);
    }
    try {
      return NoteKey.parseVerifier(Files.readString(file));
    } catch (IllegalArgumentException e) {
      throw new CliException(file + ": " + e.getMessage());
    }
  }
}
