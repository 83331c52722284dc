package dev.gantry.core.provenance;

import dev.gantry.core.merkle.Sha256;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The installation's provenance key: ECDSA on P-256 with SHA-256, signatures in DER (ASN.1) as cosign
 * and OpenSSL expect. Public keys travel as PEM SubjectPublicKeyInfo ({@code provenance.pub}).
 */
public final class EcKey {
  private final PublicKey publicKey;
  private final PrivateKey privateKey; // null for verify-only

  private EcKey(PublicKey publicKey, PrivateKey privateKey) {
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  public static EcKey generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair kp = g.generateKeyPair();
      return new EcKey(kp.getPublic(), kp.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 is part of every Java runtime", e);
    }
  }

  public static EcKey fromPem(String privatePkcs8Pem, String publicPem) {
    try {
      KeyFactory kf = KeyFactory.getInstance("EC");
      PrivateKey priv = privatePkcs8Pem == null ? null
          : kf.generatePrivate(new PKCS8EncodedKeySpec(pemBody(privatePkcs8Pem, "PRIVATE KEY")));
      PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(pemBody(publicPem, "PUBLIC KEY")));
      return new EcKey(pub, priv);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not a P-256 key in PEM form: " + e.getMessage(), e);
    }
  }

  public static EcKey publicFromPem(String publicPem) {
    return fromPem(null, publicPem);
  }

  public String publicPem() {
    return pem("PUBLIC KEY", publicKey.getEncoded());
  }

  public String privatePem() {
    return pem("PRIVATE KEY", privateKey.getEncoded());
  }

  /** A key id: hex SHA-256 of the DER public key (as many DSSE tools compute it). */
  public String keyId() {
    return Sha256.hex(Sha256.hash(publicKey.getEncoded()));
  }

  public byte[] sign(byte[] message) {
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(privateKey);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean verify(byte[] message, byte[] derSignature) {
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initVerify(publicKey);
      s.update(message);
      return s.verify(derSignature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static byte[] pemBody(String pem, String type) {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int a = pem.indexOf(begin);
    int b = pem.indexOf(end);
    if (a < 0 || b < a) {
      throw new IllegalArgumentException("expected a PEM block '" + begin + "'");
    }
    return Base64.getMimeDecoder().decode(pem.substring(a + begin.length(), b));
  }
}
