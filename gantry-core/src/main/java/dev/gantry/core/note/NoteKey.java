package dev.gantry.core.note;

import dev.gantry.core.merkle.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An Ed25519 key of the C2SP signed-note spec (c2sp.org/signed-note v1.0.0).
 *
 * <p>Key id = first 4 bytes of SHA-256(name || 0x0A || 0x01 || 32-byte public key), where 0x01 is the
 * Ed25519 signature type. The verifier key text is {@code name+hex(keyid)+base64(0x01 || public key)},
 * the form Go's {@code golang.org/x/mod/sumdb/note} reads.
 */
public final class NoteKey {
  /** Signature type byte for Ed25519 in signed notes. */
  public static final byte ALG_ED25519 = 0x01;

  /** X.509 SubjectPublicKeyInfo header for a raw Ed25519 key (RFC 8410): 12 bytes, then the 32-byte key. */
  private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private final String name;
  private final byte[] publicKey; // raw 32 bytes
  private final PublicKey jcaPublic;
  private final PrivateKey jcaPrivate; // null for a verifier-only key

  private NoteKey(String name, byte[] publicKey, PublicKey jcaPublic, PrivateKey jcaPrivate) {
    if (name.isEmpty() || name.contains("+") || name.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("key name: '" + name + "' (expected: non-empty, no spaces or '+')");
    }
    this.name = name;
    this.publicKey = publicKey;
    this.jcaPublic = jcaPublic;
    this.jcaPrivate = jcaPrivate;
  }

  /** A new random signing key. */
  public static NoteKey generate(String name) {
    try {
      KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      return new NoteKey(name, rawPublic(kp.getPublic()), kp.getPublic(), kp.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is part of every Java 15+ runtime", e);
    }
  }

  /** A signing key from its PKCS#8 encoding. */
  public static NoteKey fromPkcs8(String name, byte[] pkcs8, byte[] rawPublic) {
    try {
      KeyFactory kf = KeyFactory.getInstance("Ed25519");
      PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      return new NoteKey(name, rawPublic.clone(), publicFromRaw(rawPublic), priv);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 private key: " + e.getMessage(), e);
    }
  }

  /** Parses a verifier key {@code name+keyid+base64}; the key id must match the name and key. */
  public static NoteKey parseVerifier(String text) {
    String t = text.strip();
    int a = t.indexOf('+');
    int b = a < 0 ? -1 : t.indexOf('+', a + 1);
    if (a <= 0 || b < 0) {
      throw new IllegalArgumentException("verifier key: expected name+keyid+base64");
    }
    String name = t.substring(0, a);
    String hexId = t.substring(a + 1, b);
    byte[] data;
    try {
      data = Base64.getDecoder().decode(t.substring(b + 1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("verifier key: key is not base64");
    }
    if (data.length != 33 || data[0] != ALG_ED25519) {
      throw new IllegalArgumentException("verifier key: expected an Ed25519 key (type 0x01, 32 bytes)");
    }
    byte[] raw = Arrays.copyOfRange(data, 1, 33);
    NoteKey k = new NoteKey(name, raw, publicFromRaw(raw), null);
    if (!HexFormat.of().formatHex(k.keyId()).equals(hexId)) {
      throw new IllegalArgumentException("verifier key: key id " + hexId + " does not match name and key");
    }
    return k;
  }

  public String name() {
    return name;
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  public boolean canSign() {
    return jcaPrivate != null;
  }

  public byte[] pkcs8() {
    if (jcaPrivate == null) {
      throw new IllegalStateException("verifier key has no private part");
    }
    return jcaPrivate.getEncoded();
  }

  /** The 4-byte key id of the signed-note spec. */
  public byte[] keyId() {
    var d = Sha256.newDigest();
    d.update(name.getBytes(StandardCharsets.UTF_8));
    d.update((byte) 0x0A);
    d.update(ALG_ED25519);
    d.update(publicKey);
    return Arrays.copyOf(d.digest(), 4);
  }

  /** {@code name+hex(keyid)+base64(0x01 || key)}. */
  public String verifierKey() {
    byte[] data = new byte[33];
    data[0] = ALG_ED25519;
    System.arraycopy(publicKey, 0, data, 1, 32);
    return name + "+" + HexFormat.of().formatHex(keyId()) + "+" + Base64.getEncoder().encodeToString(data);
  }

  byte[] sign(byte[] message) {
    if (jcaPrivate == null) {
      throw new IllegalStateException("verifier key cannot sign");
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(jcaPrivate);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  boolean verify(byte[] message, byte[] signature) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(jcaPublic);
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] rawPublic(PublicKey pk) {
    byte[] enc = pk.getEncoded();
    return Arrays.copyOfRange(enc, enc.length - 32, enc.length);
  }

  private static PublicKey publicFromRaw(byte[] raw) {
    if (raw.length != 32) {
      throw new IllegalArgumentException("Ed25519 public key: " + raw.length + " bytes (expected: 32)");
    }
    byte[] enc = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + 32);
    System.arraycopy(raw, 0, enc, X509_PREFIX.length, 32);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(enc));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 public key", e);
    }
  }
}
