package dev.gantry.cli.audit;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.CliException;
import dev.gantry.core.ledger.LedgerExport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry audit export --out FILE}: the ledger as JSON Lines with its signed checkpoints (FILE), and
 * the verifier key the server names (FILE.pub). The file is written to a temporary name and moved into
 * place when complete, so a failed export never leaves a partial file under FILE.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write the ledger, its checkpoints and the verifier key for offline verification.")
public final class AuditExportCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--out", required = true, description = "the export file to write")
  Path out;

  @Override
  public Integer call() throws IOException {
    Path target = out.toAbsolutePath();
    Path tmp = target.resolveSibling(target.getFileName() + ".part");
    long entries = -1;
    LedgerExport.Header header = null;
    try (InputStream in = CliConfig.client().export()) {
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(tmp), StandardCharsets.UTF_8))) {
        header = LedgerExport.parseHeader(r.readLine());
        while (r.readLine() != null) {
          entries++;
        }
        entries++;
      }
      if (entries != header.size()) {
        throw new CliException("export ended after " + entries + " of " + header.size() + " entries; nothing written");
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    Path pub = target.resolveSibling(target.getFileName() + ".pub");
    Files.writeString(pub, header.verifierKey() + "\n");
    spec.commandLine().getOut().printf("exported %d entries and %d signed checkpoint(s) of %s to %s (key: %s)%n",
        entries, header.checkpoints().size(), header.origin(), target, pub);
    return 0;
  }
}
