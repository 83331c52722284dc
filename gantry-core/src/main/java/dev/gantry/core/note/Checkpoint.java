package dev.gantry.core.note;

import java.util.Arrays;
import java.util.Base64;

/**
 * A C2SP tlog-checkpoint v1.0.0 body: origin, tree size, base64 root hash (one per line). Signed as a
 * {@link SignedNote} by the installation's key, whose name is the origin.
 */
public record Checkpoint(String origin, long size, byte[] root) {

  public Checkpoint {
    if (origin.isEmpty() || origin.contains("\n")) {
      throw new IllegalArgumentException("checkpoint origin: '" + origin + "' (expected: one non-empty line)");
    }
    if (size < 0) {
      throw new IllegalArgumentException("checkpoint size: " + size + " (expected: >= 0)");
    }
    if (root.length != 32) {
      throw new IllegalArgumentException("checkpoint root: " + root.length + " bytes (expected: 32)");
    }
    root = root.clone();
  }

  public String text() {
    return origin + "\n" + size + "\n" + Base64.getEncoder().encodeToString(root) + "\n";
  }

  public SignedNote sign(NoteKey key) {
    return SignedNote.sign(text(), key);
  }

  /** Parses the text of a checkpoint note (extension lines after the third are allowed and ignored). */
  public static Checkpoint parseText(String text) {
    String[] lines = text.split("\n", -1);
    if (lines.length < 4 || !lines[lines.length - 1].isEmpty()) {
      throw new IllegalArgumentException("checkpoint: expected origin, size and root hash lines");
    }
    String sizeText = lines[1];
    if (!sizeText.matches("0|[1-9][0-9]{0,18}")) {
      throw new IllegalArgumentException("checkpoint: tree size '" + sizeText + "' is not a decimal without leading zeros");
    }
    byte[] root;
    try {
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("checkpoint: root hash is not base64");
    }
    return new Checkpoint(lines[0], Long.parseLong(sizeText), root);
  }

  /** Parses a signed checkpoint and checks its signature by key; throws with the reason otherwise. */
  public static Checkpoint verify(String signedNote, NoteKey key) {
    SignedNote note = SignedNote.parse(signedNote);
    if (!note.verifiedBy(key)) {
      throw new IllegalArgumentException("checkpoint: no valid signature by " + key.name());
    }
    Checkpoint c = parseText(note.text());
    if (!c.origin().equals(key.name())) {
      throw new IllegalArgumentException("checkpoint: origin " + c.origin() + " is not the key's name " + key.name());
    }
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Checkpoint c && c.origin.equals(origin) && c.size == size && Arrays.equals(c.root, root);
  }

  @Override
  public int hashCode() {
    return origin.hashCode() * 31 + Long.hashCode(size) * 17 + Arrays.hashCode(root);
  }
}
