package dev.gantry.core.ledger;

import dev.gantry.core.json.Json;
import dev.gantry.core.merkle.MerkleTree;
import dev.gantry.core.merkle.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * One ledger entry as stored and hashed.
 *
 * <p>Its canonical form is the JCS object {@code {"actor","body","prev","seq","subject","time","type"}}
 * (members in that, sorted, order). {@code hash = SHA-256(canonical)} and, since the canonical form
 * contains {@code prev} (the previous entry's hash; 64 zeros for seq 1), the hashes form a chain.
 * The same canonical bytes are the leaf input of the RFC 6962 Merkle tree (leaf index = seq - 1).
 *
 * @param seq gapless, from 1
 * @param time UTC, millisecond precision, always formatted {@code yyyy-MM-ddTHH:mm:ss.SSSZ}
 * @param bodyJson the canonical JSON of the event body
 */
public record LedgerEntry(long seq, String time, String actor, String type, String subject, String bodyJson,
    String prevHash, String hash) {

  public static final String GENESIS_PREV = "0".repeat(64);

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** Builds the next entry after prevHash for event, computing its hash. */
  public static LedgerEntry create(long seq, Instant time, String actor, LedgerEvent event, String prevHash) {
    String t = formatTime(time);
    String body = Json.canonical(event.body());
    String hash = Sha256.hex(Sha256.hash(canonicalBytes(seq, t, actor, event.type(), event.subject(), body, prevHash)));
    return new LedgerEntry(seq, t, actor, event.type(), event.subject(), body, prevHash, hash);
  }

  public static String formatTime(Instant time) {
    return TIME.format(time.truncatedTo(ChronoUnit.MILLIS));
  }

  /** The canonical JSON text; body must already be canonical. Member order is JCS order. */
  public static String canonical(long seq, String time, String actor, String type, String subject, String body,
      String prev) {
    StringBuilder b = new StringBuilder(160 + body.length());
    b.append("{\"actor\":");
    quote(b, actor);
    b.append(",\"body\":").append(body).append(",\"prev\":");
    quote(b, prev);
    b.append(",\"seq\":").append(seq).append(",\"subject\":");
    quote(b, subject);
    b.append(",\"time\":");
    quote(b, time);
    b.append(",\"type\":");
    quote(b, type);
    return b.append('}').toString();
  }

  private static void quote(StringBuilder b, String s) {
    b.append(Json.canonical(s));
  }

  static byte[] canonicalBytes(long seq, String time, String actor, String type, String subject, String body,
      String prev) {
    return canonical(seq, time, actor, type, subject, body, prev).getBytes(StandardCharsets.UTF_8);
  }

  /** The canonical bytes of this entry: what its hash and its Merkle leaf cover. */
  public byte[] canonicalBytes() {
    return canonicalBytes(seq, time, actor, type, subject, bodyJson, prevHash);
  }

  /** The RFC 6962 leaf hash of this entry. */
  public byte[] leafHash() {
    return MerkleTree.leafHash(canonicalBytes());
  }

  /** The typed event; throws when the body does not decode. */
  public LedgerEvent event() {
    return LedgerEvent.decode(type, Json.parseObject(bodyJson));
  }

  /** The JSON Lines form used by exports: the canonical object plus its hash. */
  public String toJsonLine() {
    String c = canonical(seq, time, actor, type, subject, bodyJson, prevHash);
    return c.substring(0, c.length() - 1) + ",\"hash\":\"" + hash + "\"}";
  }

  /** Reads an export line back; field presence and types are checked, hashes are not (the verifier does that). */
  public static LedgerEntry fromJsonLine(String line) {
    Map<String, Object> m = Json.parseObject(line);
    return new LedgerEntry(Json.integer(m, "seq"), Json.string(m, "time"), Json.string(m, "actor"),
        Json.string(m, "type"), Json.string(m, "subject"), Json.canonical(Json.object(m, "body")),
        Json.string(m, "prev"), Json.string(m, "hash"));
  }
}
