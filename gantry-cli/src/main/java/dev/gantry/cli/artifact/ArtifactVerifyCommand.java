package dev.gantry.cli.artifact;

import dev.gantry.cli.CliException;
import dev.gantry.core.artifact.ArtifactStamper;
import dev.gantry.core.merkle.Sha256;
import dev.gantry.core.provenance.Dsse;
import dev.gantry.core.provenance.EcKey;
import dev.gantry.core.provenance.ProvenanceStatement;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gantry artifact verify FILE --provenance x.intoto.json --key provenance.pub}: offline, no server.
 * The envelope's signature must verify with the key and its subject must be the file's SHA-256.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Check a file against its signed provenance and the provenance key (offline).")
public final class ArtifactVerifyCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "the artifact file (the stamped copy, as deployed)")
  Path file;

  @Option(names = "--provenance", required = true, description = "the DSSE envelope (gantry artifact provenance)")
  Path provenance;

  @Option(names = "--key", required = true, description = "the provenance public key (PEM)")
  Path key;

  @Override
  public Integer call() throws Exception {
    for (Path p : new Path[] {file, provenance, key}) {
      if (!Files.isRegularFile(p)) {
        throw new CliException("no such file " + p);
      }
    }
    EcKey k;
    try {
      k = EcKey.publicFromPem(Files.readString(key));
    } catch (IllegalArgumentException e) {
      throw new CliException(key + ": " + e.getMessage());
    }
    var out = spec.commandLine().getOut();
    String subject;
    try {
      Dsse.Opened o = Dsse.verify(Files.readString(provenance), k);
      if (!Dsse.IN_TOTO.equals(o.payloadType())) {
        throw new IllegalArgumentException("provenance: payload type " + o.payloadType() + " (expected " + Dsse.IN_TOTO + ")");
      }
      subject = ProvenanceStatement.subjectDigest(o.payload());
    } catch (IllegalArgumentException e) {
      out.println("FAILED: " + e.getMessage());
      return 1;
    }
    MessageDigest md = Sha256.newDigest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    String actual = Sha256.hex(md.digest());
    if (!actual.equals(subject)) {
      out.println("FAILED: the file's sha256 " + actual + " is not the provenance subject " + subject);
      return 1;
    }
    String serial = null;
    try {
      serial = ArtifactStamper.serialOfJar(file);
    } catch (java.io.IOException notAJar) {
      // a tar.gz: the serial is inside, the digest check above is what matters
    }
    out.println("ok: signature valid, subject sha256:" + subject + " matches" + (serial == null ? "" : ", serial " + serial));
    return 0;
  }
}
