package dev.gantry.core.policy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One rule's outcome for one release: whether it passed, why, and (when it failed) what would satisfy it.
 *
 * @param rule a built-in rule's name ({@code fullSuite}, {@code approvals}, ...) or {@code cel:NAME}
 */
public record RuleVerdict(String rule, boolean passed, String reason, String satisfy) {

  static RuleVerdict pass(String rule, String reason) {
    return new RuleVerdict(rule, true, reason, "");
  }

  static RuleVerdict fail(String rule, String reason, String satisfy) {
    return new RuleVerdict(rule, false, reason, satisfy);
  }

  /** The form kept in the ledger and answered by the API. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rule", rule);
    m.put("verdict", passed ? "pass" : "fail");
    m.put("reason", reason);
    m.put("satisfy", satisfy);
    return m;
  }

  public static RuleVerdict fromJson(Map<String, Object> m) {
    return new RuleVerdict(String.valueOf(m.get("rule")), "pass".equals(m.get("verdict")),
        String.valueOf(m.get("reason")), m.get("satisfy") == null ? "" : String.valueOf(m.get("satisfy")));
  }
}
