package dev.gantry.core.provenance;

import dev.gantry.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dead Simple Signing Envelope v1: the signature covers
 * {@code PAE = "DSSEv1" SP len(type) SP type SP len(body) SP body} with lengths as ASCII decimal byte
 * counts of the UTF-8 type and the raw payload.
 */
public final class Dsse {
  public static final String IN_TOTO = "application/vnd.in-toto+json";

  private Dsse() {}

  /** Pre-authentication encoding. */
  public static byte[] pae(String payloadType, byte[] payload) {
    byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + type.length + 32);
    out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(type);
    out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(payload);
    return out.toByteArray();
  }

  /** A signed envelope, as JSON text. */
  public static String sign(String payloadType, byte[] payload, EcKey key) {
    byte[] sig = key.sign(pae(payloadType, payload));
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("keyid", key.keyId());
    s.put("sig", Base64.getEncoder().encodeToString(sig));
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("payloadType", payloadType);
    env.put("payload", Base64.getEncoder().encodeToString(payload));
    env.put("signatures", List.of(s));
    return Json.write(env);
  }

  /** A verified envelope's content. */
  public record Opened(String payloadType, byte[] payload) {}

  /** Checks that some signature in the envelope verifies with key; throws naming the reason otherwise. */
  public static Opened verify(String envelopeJson, EcKey key) {
    Map<String, Object> env;
    try {
      env = Json.parseObject(envelopeJson);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("provenance: not a DSSE envelope: " + e.getMessage());
    }
    String type = Json.string(env, "payloadType");
    byte[] payload;
    try {
      payload = Base64.getDecoder().decode(Json.string(env, "payload"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("provenance: payload is not base64");
    }
    Object sigs = env.get("signatures");
    if (!(sigs instanceof List<?> list) || list.isEmpty()) {
      throw new IllegalArgumentException("provenance: envelope has no signatures");
    }
    byte[] pae = pae(type, payload);
    for (Object o : list) {
      if (o instanceof Map<?, ?> m && m.get("sig") instanceof String sig) {
        try {
          if (key.verify(pae, Base64.getDecoder().decode(sig))) {
            return new Opened(type, payload);
          }
        } catch (IllegalArgumentException notBase64) {
          // try the next signature
        }
      }
    }
    throw new IllegalArgumentException("provenance: no signature verifies with the given key");
  }
}
