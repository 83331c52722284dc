package dev.gantry.server.auth;

import dev.gantry.core.account.Role;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Role checks used by the controllers; a failure is a 403 problem (recorded as a refusal). */
public final class Access {
  /** Everyone who may read artifacts, services and deployments: every role but admin. */
  public static final Role[] READERS = {Role.VIEWER, Role.DEPLOYER, Role.APPROVER, Role.OPERATOR, Role.AUDITOR};

  private Access() {}

  /** Passes when the principal holds at least one of roles. */
  public static void require(Principal p, Role... roles) {
    for (Role r : roles) {
      if (p.has(r)) {
        return;
      }
    }
    throw ApiException.forbidden("account '" + p.account() + "' needs the role "
        + Arrays.stream(roles).map(Role::wire).collect(Collectors.joining(" or ")) + " for this");
  }
}
