package dev.gantry.core.note;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A C2SP signed note: text (non-empty lines, each ending in a newline), a blank line, then signature
 * lines {@code "— name base64(keyid || signature)\n"} (U+2014 EM DASH). The signature covers the text
 * bytes exactly, final newline included.
 */
public record SignedNote(String text, List<Line> signatures) {

  /** One signature line. */
  public record Line(String name, byte[] keyId, byte[] signature) {}

  private static final String DASH = "\u2014 ";

  public SignedNote {
    signatures = List.copyOf(signatures);
  }

  /** Signs text (which must end in a newline and contain no blank line) with the key. */
  public static SignedNote sign(String text, NoteKey key) {
    checkText(text);
    byte[] sig = key.sign(text.getBytes(StandardCharsets.UTF_8));
    return new SignedNote(text, List.of(new Line(key.name(), key.keyId(), sig)));
  }

  /** The wire form. */
  public String format() {
    StringBuilder b = new StringBuilder(text).append('\n');
    for (Line l : signatures) {
      byte[] blob = new byte[4 + l.signature().length];
      System.arraycopy(l.keyId(), 0, blob, 0, 4);
      System.arraycopy(l.signature(), 0, blob, 4, l.signature().length);
      b.append(DASH).append(l.name()).append(' ').append(Base64.getEncoder().encodeToString(blob)).append('\n');
    }
    return b.toString();
  }

  /** Parses the wire form; the message says what is malformed. */
  public static SignedNote parse(String note) {
    int split = note.lastIndexOf("\n\n");
    if (split < 0) {
      throw new IllegalArgumentException("signed note: no blank line before the signatures");
    }
    String text = note.substring(0, split + 1);
    checkText(text);
    String sigs = note.substring(split + 2);
    if (!sigs.endsWith("\n")) {
      throw new IllegalArgumentException("signed note: signature block does not end in a newline");
    }
    List<Line> lines = new ArrayList<>();
    for (String line : sigs.substring(0, sigs.length() - 1).split("\n", -1)) {
      if (!line.startsWith(DASH)) {
        throw new IllegalArgumentException("signed note: signature line does not start with an em dash: " + line);
      }
      String rest = line.substring(DASH.length());
      int sp = rest.indexOf(' ');
      if (sp <= 0) {
        throw new IllegalArgumentException("signed note: malformed signature line: " + line);
      }
      byte[] blob;
      try {
        blob = Base64.getDecoder().decode(rest.substring(sp + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("signed note: signature is not base64: " + line);
      }
      if (blob.length < 5) {
        throw new IllegalArgumentException("signed note: signature too short: " + line);
      }
      lines.add(new Line(rest.substring(0, sp), Arrays.copyOf(blob, 4), Arrays.copyOfRange(blob, 4, blob.length)));
    }
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("signed note: no signatures");
    }
    return new SignedNote(text, lines);
  }

  /** True when a line by this key (same name and key id) carries a valid signature over the text. */
  public boolean verifiedBy(NoteKey key) {
    byte[] msg = text.getBytes(StandardCharsets.UTF_8);
    for (Line l : signatures) {
      if (l.name().equals(key.name()) && Arrays.equals(l.keyId(), key.keyId()) && key.verify(msg, l.signature())) {
        return true;
      }
    }
    return false;
  }

  private static void checkText(String text) {
    if (text.isEmpty() || !text.endsWith("\n")) {
      throw new IllegalArgumentException("signed note: text must end in a newline");
    }
    if (text.contains("\n\n") || text.startsWith("\n")) {
      throw new IllegalArgumentException("signed note: text must not contain a blank line");
    }
  }
}
