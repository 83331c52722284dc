package dev.gantry.cli.artifact;

import dev.gantry.cli.CliConfig;
import dev.gantry.core.json.Json;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry trace SERIAL|DIGEST}: from a running thing back to commits, requirements and tests. */
@Command(name = "trace", mixinStandardHelpOptions = true,
    description = "What is this, exactly? Artifact, provenance, commits, requirements, tests, ledger entries.")
public final class TraceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "serial, digest, or the address of a running instance (127.0.0.1:PORT)")
  String ref;

  @Option(names = "--json", description = "print the API answer as JSON")
  boolean json;

  @Override
  @SuppressWarnings("unchecked")
  public Integer call() {
    Map<String, Object> t = CliConfig.client().trace(ref);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.pretty(t));
      return 0;
    }
    Map<String, Object> a = (Map<String, Object>) t.get("artifact");
    Map<String, Object> p = (Map<String, Object>) t.get("provenance");
    Map<String, Object> src = (Map<String, Object>) a.get("source");
    List<Object> running = (List<Object>) t.get("running");
    if (running.isEmpty()) {
      out.printf("running     nowhere (no running instance)%n");
    }
    for (Object o : running) {
      Map<String, Object> r = (Map<String, Object>) o;
      out.printf("running     %s at %s (instance %s, pid %s)%n", r.get("service"), r.get("address"), r.get("instance"),
          r.get("pid"));
    }
    out.printf("artifact    %s  %s  %s%n", a.get("serial"), a.get("service"), a.get("filename"));
    out.printf("            as built sha256:%s%n            stamped  sha256:%s%n", a.get("digest"), a.get("stampedDigest"));
    out.printf("provenance  %s  builder %s%n", Boolean.TRUE.equals(p.get("verified")) ? "signature valid" :
        "NOT VERIFIED: " + p.get("problem"), p.get("builder"));
    if (src.get("commit") == null) {
      out.printf("source      none recorded (registered without --git)%n");
    } else {
      out.printf("source      %s @ %s (%s)%s%n", src.get("repo"), src.get("commit"), src.get("branch"),
          Boolean.TRUE.equals(src.get("dirty")) ? " DIRTY" : "");
    }
    out.printf("tools       %s%n", a.get("tools"));
    for (Object o : (List<Object>) a.get("commits")) {
      Map<String, Object> c = (Map<String, Object>) o;
      List<Object> reqs = (List<Object>) c.get("requirements");
      out.printf("commit      %s  %-40s  %s%n", ((String) c.get("id")).substring(0, 12),
          ((String) c.get("message")).lines().findFirst().orElse(""), reqs.isEmpty() ? "UNLINKED" : reqs);
    }
    out.printf("requirements %s%n", t.get("requirements"));
    for (Object o : (List<Object>) a.get("tests")) {
      Map<String, Object> r = (Map<String, Object>) o;
      long bad = ((Number) r.get("failures")).longValue() + ((Number) r.get("errors")).longValue();
      out.printf("tests       %-5s run %s: %s tests, %s, %s skipped (ledger seq %s)%n", r.get("suite"), r.get("run"),
          r.get("tests"), bad == 0 ? "all passed" : bad + " failed", r.get("skipped"), r.get("seq"));
    }
    for (Object o : (List<Object>) t.get("deployments")) {
      Map<String, Object> e = (Map<String, Object>) o;
      out.printf("deployment  %s (%s from %s%s) %s by %s%s, ledger seq %s%n", e.get("id"), e.get("kind"),
          e.get("from") == null ? "nothing" : e.get("from"),
          e.get("environment") == null || "default".equals(e.get("environment")) ? "" : ", " + e.get("environment"),
          e.get("phase"), e.get("startedBy"), Boolean.TRUE.equals(e.get("breakGlass")) ? " BREAK GLASS" : "",
          e.get("seq"));
    }
    if (t.get("approvals") instanceof List<?> approvals) {
      for (Object o : approvals) {
        Map<String, Object> e = (Map<String, Object>) o;
        out.printf("%-11s %s by %s at %s%s%n", e.get("decision").equals("approve") ? "approved" : "rejected",
            e.get("environment"), e.get("account"), e.get("at"),
            e.get("comment") == null || e.get("comment").toString().isEmpty() ? "" : " (\"" + e.get("comment") + "\")");
      }
    }
    for (Object o : (List<Object>) a.get("ledger")) {
      Map<String, Object> e = (Map<String, Object>) o;
      out.printf("ledger      seq %s  %s by %s at %s%n", e.get("seq"), e.get("type"), e.get("actor"), e.get("time"));
    }
    return 0;
  }
}
