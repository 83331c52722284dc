package dev.gantry.core.ledger;

import dev.gantry.core.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The export file: JSON Lines. Line 1 is a header naming the format, the origin, the verifier key the
 * server claims, the size covered and every signed checkpoint; each further line is one entry in its
 * canonical form plus its hash ({@link LedgerEntry#toJsonLine()}).
 *
 * <p>An auditor verifies with a key obtained independently ({@code --key}); the header's key is only
 * compared against it, never trusted.
 */
public final class LedgerExport {
  public static final String FORMAT = "gantry-ledger-export/v1";

  private LedgerExport() {}

  /** The parsed header. */
  public record Header(String origin, String verifierKey, long size, List<String> checkpoints) {}

  public static String header(String origin, String verifierKey, long size, List<String> checkpoints) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("origin", origin);
    m.put("verifierKey", verifierKey);
    m.put("size", size);
    m.put("checkpoints", checkpoints);
    return Json.write(m);
  }

  public static Header parseHeader(String line) {
    Map<String, Object> m;
    try {
      m = Json.parseObject(line);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("line 1 is not an export header: " + e.getMessage());
    }
    if (!FORMAT.equals(m.get("format"))) {
      throw new IllegalArgumentException("line 1: format is " + m.get("format") + " (expected: " + FORMAT + ")");
    }
    return new Header(Json.string(m, "origin"), Json.string(m, "verifierKey"), Json.integer(m, "size"),
        Json.strings(m, "checkpoints"));
  }
}
