package dev.gantry.core.account;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Whether an account is a person or an automation. */
public enum AccountKind {
  HUMAN,
  ROBOT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the wire form; the message lists the accepted values. */
  public static AccountKind parse(String s) {
    for (AccountKind k : values()) {
      if (k.wire().equals(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException("kind: '" + s + "' (expected one of: "
        + Arrays.stream(values()).map(AccountKind::wire).collect(Collectors.joining(", ")) + ")");
  }
}
