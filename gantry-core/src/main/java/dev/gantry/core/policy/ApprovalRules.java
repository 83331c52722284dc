package dev.gantry.core.policy;

import dev.gantry.core.account.AccountKind;
import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerStore.AccountRecord;
import dev.gantry.core.ledger.LedgerStore.ArtifactRecord;
import dev.gantry.core.ledger.LedgerStore.CommitRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may approve a release (four eyes): a human, enabled, holding {@code approver}, who is neither the
 * account that registered the artifact nor an author of any of its commits. Pure; used inside the
 * approval command and again when the policy counts approvals.
 */
public final class ApprovalRules {
  public static final String APPROVE = "approve";
  public static final String REJECT = "reject";

  private ApprovalRules() {}

  /** Why account may not approve artifact; empty when it may. */
  public static List<String> whoMayDecide(AccountRecord account, ArtifactRecord artifact, List<CommitRecord> commits) {
    List<String> out = new ArrayList<>();
    if (account.disabled()) {
      out.add("account '" + account.name() + "' is disabled");
    }
    if (!account.kind().equals(AccountKind.HUMAN.wire())) {
      out.add("'" + account.name() + "' is a " + account.kind() + "; approvals are human decisions");
    }
    if (!account.roles().contains(Role.APPROVER.wire())) {
      out.add("'" + account.name() + "' does not hold the approver role");
    }
    if (account.name().equals(artifact.registeredBy())) {
      out.add("'" + account.name() + "' registered " + artifact.serial() + " and cannot approve it");
    }
    for (CommitRecord c : commits) {
      if (isAuthor(account.name(), c.author())) {
        out.add("'" + account.name() + "' is the author of commit " + c.id().substring(0, Math.min(12, c.id().length()))
            + " in " + artifact.serial() + " and cannot approve it");
        break;
      }
    }
    return out;
  }

  /**
   * Whether a commit author ("Name &lt;email&gt;") is the account: the account name equals the email, its local
   * part, or the name (case-insensitive; spaces may be written as '.', '-', '_' or nothing). Accounts carry no
   * verified e-mail yet, so this errs on the side of refusing: a false match blocks an approval, never
   * allows one.
   */
  public static boolean isAuthor(String account, String author) {
    return authorIdentities(author).contains(account.toLowerCase(Locale.ROOT));
  }

  static Set<String> authorIdentities(String author) {
    Set<String> ids = new TreeSet<>();
    if (author == null) {
      return ids;
    }
    String a = author.strip();
    String name = a;
    int lt = a.indexOf('<');
    if (lt >= 0) {
      int gt = a.indexOf('>', lt);
      String email = a.substring(lt + 1, gt < 0 ? a.length() : gt).strip().toLowerCase(Locale.ROOT);
      name = a.substring(0, lt).strip();
      if (!email.isEmpty()) {
        ids.add(email);
        int at = email.indexOf('@');
        if (at > 0) {
          ids.add(email.substring(0, at));
        }
      }
    }
    String n = name.toLowerCase(Locale.ROOT);
    if (!n.isEmpty()) {
      ids.add(n);
      for (String sep : List.of(".", "-", "_", "")) {
        ids.add(n.replaceAll("\\s+", sep));
      }
    }
    return ids;
  }
}
