package dev.gantry.server.auth;

import dev.gantry.core.merkle.Sha256;
import dev.gantry.store.DataDirectory;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API tokens: {@code gty_} + 256 random bits (base64url). The server keeps only SHA-256 of the whole
 * token; the secret is shown once, when created.
 */
public final class Tokens {
  public static final String PREFIX = "gty_";

  private static final java.util.regex.Pattern TOKEN_BODY = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{43}");

  private Tokens() {}

  /** A new token id (public, for listing and revoking) and secret. */
  public record Issued(String id, String secret, String sha256) {}

  public static Issued issue() {
    String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(DataDirectory.randomBytes(32));
    String id = HexFormat.of().formatHex(DataDirectory.randomBytes(6));
    return new Issued(id, secret, hash(secret));
  }

  public static String hash(String secret) {
    return Sha256.hex(Sha256.hash(secret.getBytes(StandardCharsets.UTF_8)));
  }

  /** True for strings shaped like a token, so obvious garbage is refused before a database lookup. */
  public static boolean wellFormed(String s) {
    return s != null && s.startsWith(PREFIX) && TOKEN_BODY.matcher(s.substring(PREFIX.length())).matches();
  }
}
