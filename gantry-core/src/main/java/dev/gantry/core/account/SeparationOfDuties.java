package dev.gantry.core.account;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The role combinations no account may hold. Checked by the server on every grant, and again by the
 * ledger replay, so a forbidden combination can never be written, even by an admin.
 */
public final class SeparationOfDuties {
  private SeparationOfDuties() {}

  /** The reasons why kind and roles may not go together; empty when they may. */
  public static List<String> violations(AccountKind kind, Set<Role> roles) {
    List<String> out = new ArrayList<>();
    if (roles.contains(Role.ADMIN) && roles.contains(Role.DEPLOYER)) {
      out.add("an admin cannot also hold deployer (admins manage accounts, they do not ship)");
    }
    if (roles.contains(Role.ADMIN) && roles.contains(Role.APPROVER)) {
      out.add("an admin cannot also hold approver (admins must not be a back door to releases)");
    }
    if (kind == AccountKind.ROBOT && roles.contains(Role.APPROVER)) {
      out.add("a robot cannot hold approver (approvals are human decisions)");
    }
    if (kind == AccountKind.ROBOT && roles.contains(Role.ADMIN)) {
      out.add("a robot cannot hold admin");
    }
    return out;
  }
}
