package dev.gantry.cli.release;

import dev.gantry.client.GantryApiException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** Prints policy verdicts: one line per rule, and for a failed one what would satisfy it. */
public final class Verdicts {
  private Verdicts() {}

  public static void print(PrintWriter out, List<?> rules) {
    for (Object o : rules) {
      Map<?, ?> r = (Map<?, ?>) o;
      boolean pass = "pass".equals(r.get("verdict"));
      out.printf("  %s %-20s %s%n", pass ? "PASS" : "FAIL", r.get("rule"), r.get("reason"));
      if (!pass && r.get("satisfy") instanceof String s && !s.isEmpty()) {
        out.printf("       %-20s → %s%n", "", s);
      }
    }
    out.flush();
  }

  /** When e is a policy refusal, prints its verdicts to err and returns true. */
  public static boolean printRefusal(PrintWriter err, GantryApiException e) {
    Object code = e.problem().get("code");
    if (!"policy-refused".equals(code) && !"break-glass-refused".equals(code)) {
      return false;
    }
    err.println("gantry: " + (e.problem().get("code").equals("policy-refused") ? "refused by the policy of "
        + e.problem().get("environment") : "break glass refused: " + e.getMessage()) + " (HTTP " + e.status()
        + "; evaluation recorded at ledger seq " + e.problem().get("seq") + ")");
    if (e.problem().get("rules") instanceof List<?> l) {
      print(err, l);
    }
    if (e.problem().get("hint") instanceof String hint) {
      err.println("  " + hint);
      err.flush();
    }
    return true;
  }
}
