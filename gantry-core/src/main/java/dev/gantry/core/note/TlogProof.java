package dev.gantry.core.note;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A C2SP tlog-proof@v1 document: the header line, optional {@code extra}, {@code index N}, the inclusion
 * proof hashes (base64, one per line), a blank line, then the signed checkpoint.
 */
public record TlogProof(byte[] extra, long index, List<byte[]> proof, String signedCheckpoint) {
  public static final String HEADER = "c2sp.org/tlog-proof@v1";

  public TlogProof {
    proof = List.copyOf(proof);
  }

  public String format() {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    if (extra != null) {
      b.append("extra ").append(Base64.getEncoder().encodeToString(extra)).append('\n');
    }
    b.append("index ").append(index).append('\n');
    for (byte[] h : proof) {
      b.append(Base64.getEncoder().encodeToString(h)).append('\n');
    }
    return b.append('\n').append(signedCheckpoint).toString();
  }

  public static TlogProof parse(String text) {
    int blank = text.indexOf("\n\n");
    if (!text.startsWith(HEADER + "\n") || blank < 0) {
      throw new IllegalArgumentException("tlog-proof: expected '" + HEADER + "', proof lines, a blank line, a checkpoint");
    }
    String[] lines = text.substring(0, blank).split("\n");
    int i = 1;
    byte[] extra = null;
    if (i < lines.length && lines[i].startsWith("extra ")) {
      extra = Base64.getDecoder().decode(lines[i++].substring(6));
    }
    if (i >= lines.length || !lines[i].matches("index (0|[1-9][0-9]{0,18})")) {
      throw new IllegalArgumentException("tlog-proof: expected 'index N'");
    }
    long index = Long.parseLong(lines[i++].substring(6));
    List<byte[]> proof = new ArrayList<>();
    for (; i < lines.length; i++) {
      byte[] h = Base64.getDecoder().decode(lines[i]);
      if (h.length != 32) {
        throw new IllegalArgumentException("tlog-proof: proof hash of " + h.length + " bytes (expected: 32)");
      }
      proof.add(h);
    }
    return new TlogProof(extra, index, proof, text.substring(blank + 2));
  }
}
