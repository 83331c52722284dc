package dev.gantry.core.account;

import java.util.regex.Pattern;

/** The rule for names users choose (accounts, services, environments): safe in paths, URLs and logs. */
public final class Names {
  /** Lower-case letters, digits, '-', '_' and '.', starting with a letter or digit, 1 to 63 characters. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private Names() {}

  /** Returns name when valid; otherwise throws naming the field, the value and the rule. */
  public static String check(String field, String name) {
    if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
      throw new IllegalArgumentException(field + ": '" + (name == null ? "" : name)
          + "' (expected: 1-63 of a-z 0-9 . _ -, starting with a letter or digit, no '..')");
    }
    return name;
  }
}
