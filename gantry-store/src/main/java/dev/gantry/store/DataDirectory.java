package dev.gantry.store;

import dev.gantry.core.note.NoteKey;
import dev.gantry.core.provenance.EcKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The files of one installation:
 *
 * <pre>
 *   DIR/gantry.db             SQLite ledger and projections (unless PostgreSQL is configured)
 *   DIR/origin                the checkpoint origin line, e.g. gantry.local/3f9c21a0
 *   DIR/checkpoint.key        Ed25519 private key, PKCS#8 base64, mode 0600
 *   DIR/checkpoint.pub        the verifier key (name+keyid+base64), for auditors
 *   DIR/bootstrap-admin.token the first admin's token, mode 0600, written once
 *   DIR/provenance.key        ECDSA P-256 key signing provenance (PEM PKCS#8), mode 0600
 *   DIR/provenance.pub        its public key (PEM), for cosign, OpenSSL and `gantry artifact verify`
 *   DIR/blobs/sha256/..       artifacts and SBOMs, content-addressed, read-only
 * </pre>
 *
 * Files that hold secrets are created with mode 0600 atomically (never world-readable, not even briefly).
 */
public final class DataDirectory {
  private final Path dir;

  public DataDirectory(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  public Path path() {
    return dir;
  }

  public Path database() {
    return dir.resolve("gantry.db");
  }

  public Path publicKeyFile() {
    return dir.resolve("checkpoint.pub");
  }

  public Path bootstrapTokenFile() {
    return dir.resolve("bootstrap-admin.token");
  }

  /** True once the checkpoint key exists. */
  public boolean initialized() {
    return Files.exists(dir.resolve("checkpoint.key"));
  }

  /** Creates the directory, owner-only (it holds the signing key and the bootstrap token). */
  public DataDirectory create() {
    try {
      if (!Files.exists(dir)) {
        try {
          Files.createDirectories(dir,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
          Files.createDirectories(dir);
        }
      }
      return this;
    } catch (IOException e) {
      throw new StoreException("cannot create data directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Loads the signing key, creating directory, origin and key on first start. */
  public NoteKey signingKey(String originIfNew) {
    try {
      create();
      Path originFile = dir.resolve("origin");
      Path keyFile = dir.resolve("checkpoint.key");
      if (!Files.exists(keyFile)) {
        String origin = originIfNew != null ? originIfNew
            : "gantry.local/" + HexFormat.of().formatHex(randomBytes(4));
        NoteKey key = NoteKey.generate(origin);
        String body = Base64.getEncoder().encodeToString(key.pkcs8()) + "\n"
            + Base64.getEncoder().encodeToString(key.publicKey()) + "\n";
        writeSecret(keyFile, body);
        Files.writeString(originFile, origin + "\n");
        Files.writeString(publicKeyFile(), key.verifierKey() + "\n");
        return key;
      }
      String origin = Files.readString(originFile).strip();
      String[] lines = Files.readString(keyFile).strip().split("\n");
      if (lines.length != 2) {
        throw new StoreException(keyFile + " is malformed (expected two base64 lines)", null);
      }
      return NoteKey.fromPkcs8(origin, Base64.getDecoder().decode(lines[0]), Base64.getDecoder().decode(lines[1]));
    } catch (IOException e) {
      throw new StoreException("cannot prepare data directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The provenance signing key (ECDSA P-256), created on first use: provenance.key (0600) and provenance.pub. */
  public EcKey provenanceKey() {
    Path keyFile = dir.resolve("provenance.key");
    Path pubFile = dir.resolve("provenance.pub");
    try {
      create();
      if (!Files.exists(keyFile)) {
        EcKey k = EcKey.generate();
        writeSecret(keyFile, k.privatePem());
        Files.writeString(pubFile, k.publicPem());
        return k;
      }
      return EcKey.fromPem(Files.readString(keyFile), Files.readString(pubFile));
    } catch (IOException e) {
      throw new StoreException("cannot read the provenance key in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Where artifacts and other content-addressed files live. */
  public Path blobs() {
    return dir.resolve("blobs");
  }

  /** The verifier key only (for an auditor with read access). */
  public NoteKey verifierKey() {
    try {
      return NoteKey.parseVerifier(Files.readString(publicKeyFile()));
    } catch (IOException e) {
      throw new StoreException("cannot read " + publicKeyFile() + ": " + e.getMessage(), e);
    }
  }

  /** Creates a file readable by its owner only; fails if it exists. */
  public static void writeSecret(Path file, String content) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system
    } catch (FileAlreadyExistsException e) {
      throw e;
    }
    Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
  }

  public static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static final SecureRandom RANDOM = new SecureRandom();
}
