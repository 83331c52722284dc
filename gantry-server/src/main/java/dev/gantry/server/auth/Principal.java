package dev.gantry.server.auth;

import dev.gantry.core.account.Role;
import java.util.Set;

/** The authenticated caller of one request. */
public record Principal(String account, String kind, Set<Role> roles, String tokenId) {
  public static final String ANONYMOUS = "anonymous";

  /** Request attribute under which the filter leaves the principal. */
  public static final String ATTRIBUTE = "dev.gantry.server.auth.Principal";

  public boolean has(Role role) {
    return roles.contains(role);
  }
}
