package dev.gantry.core.account;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What an account may do. */
public enum Role {
  /** Read state. */
  VIEWER,
  /** Register artifacts and start deployments. */
  DEPLOYER,
  /** Approve releases (humans only). */
  APPROVER,
  /** Halt, resume and roll back. */
  OPERATOR,
  /** Manage accounts and roles, nothing else. */
  ADMIN,
  /** Read and verify the ledger. */
  AUDITOR;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role parse(String s) {
    for (Role r : values()) {
      if (r.wire().equals(s)) {
        return r;
      }
    }
    throw new IllegalArgumentException("role: '" + s + "' (expected one of: "
        + Arrays.stream(values()).map(Role::wire).collect(Collectors.joining(", ")) + ")");
  }
}
