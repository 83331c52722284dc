package dev.gantry.cli.deploy;

import dev.gantry.cli.CliConfig;
import dev.gantry.client.GantryClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Shows a service: stable version, the deployment in progress, instances, and the router's route. */
public final class ServiceStatus {
  private ServiceStatus() {}

  /** Prints the service's state once. */
  @SuppressWarnings("unchecked")
  public static void print(PrintWriter out, Map<String, Object> s) {
    out.printf("service    %s%s%n", s.get("name"), Boolean.TRUE.equals(s.get("halted")) ? "  HALTED" : "");
    out.printf("stable     %s%n", s.get("stable") == null ? "(none)" : s.get("stable"));
    out.printf("router     http://%s/%s/%n", s.get("router"), ((Map<String, Object>) ((Map<String, Object>)
        s.get("spec")).get("route")).get("pathPrefix"));
    List<Object> deps = (List<Object>) s.get("deployments");
    if (!deps.isEmpty()) {
      Map<String, Object> d = (Map<String, Object>) deps.getFirst();
      Object env = d.get("environment");
      out.printf("deployment %s  %s → %s%s  %s (%s)%s%n", d.get("id"), d.get("from") == null ? "-" : d.get("from"),
          d.get("serial"), env == null || "default".equals(env) ? "" : " in " + env, d.get("phase"), d.get("reason"),
          Boolean.TRUE.equals(d.get("breakGlass")) ? " BREAK GLASS" : "");
      if (d.get("canary") instanceof Map<?, ?> c && "CANARY".equals(d.get("phase"))) {
        out.printf("canary     %s steps done, weight %s%%%s; analysis %s%n", stepsDone(s, c), c.get("weight"), c.get("paused") == null ? "" : ", PAUSED (" + c.get("paused") + ")",
            c.get("verdict") == null ? "not run yet" : c.get("verdict") + " (" + c.get("verdictSummary") + ")");
        if (c.get("waiting") != null) {
          out.printf("gate       %s%n", c.get("waiting"));
        }
      }
    }
    if (s.get("route") instanceof Map<?, ?> r && r.get("canary") != null) {
      out.printf("route      %s%% of users to %s, the rest to %s%n", r.get("weight"), r.get("canary"), r.get("stable"));
    }
    for (Object o : (List<Object>) s.get("instances")) {
      Map<String, Object> i = (Map<String, Object>) o;
      out.printf("instance   %-28s %-9s %-16s %s%s%n", i.get("id"), i.get("serial"), i.get("address"), i.get("state"),
          Boolean.TRUE.equals(i.get("ready")) ? " ready" : "");
    }
    out.flush();
  }

  /** "2/5": how many of the canary's steps are done. */
  private static String stepsDone(Map<String, Object> service, Map<?, ?> canary) {
    Object steps = service.get("spec") instanceof Map<?, ?> spec && spec.get("canary") instanceof Map<?, ?> c
        && c.get("steps") instanceof List<?> l ? l.size() : "?";
    return Math.max(0, ((Number) canary.get("step")).longValue()) + "/" + steps;
  }

  /** Follows a deployment until it ends; prints each new phase. Exit 0 when complete, 1 when rolled back. */
  @SuppressWarnings("unchecked")
  public static int watch(PrintWriter out, String service, String deploymentId) throws InterruptedException {
    GantryClient c = CliConfig.client();
    String last = null;
    long start = System.nanoTime();
    while (true) {
      Map<String, Object> s = c.service(service);
      Map<String, Object> d = ((List<Object>) s.get("deployments")).stream().map(o -> (Map<String, Object>) o)
          .filter(x -> deploymentId == null || x.get("id").equals(deploymentId)).findFirst().orElse(null);
      if (d != null) {
        String detail = String.valueOf(d.get("reason"));
        if (d.get("canary") instanceof Map<?, ?> cm && "CANARY".equals(d.get("phase"))) {
          detail = stepsDone(s, cm) + " steps done, weight " + cm.get("weight") + "%: " + detail
              + (cm.get("verdict") == null ? "" : "; analysis " + cm.get("verdict"));
        }
        String now = d.get("phase") + " (" + detail + ")";
        if (!Objects.equals(now, last)) {
          out.printf("%6.1fs  %-18s %s%n", (System.nanoTime() - start) / 1e9, d.get("phase"), detail);
          out.flush();
          last = now;
        }
        if (d.get("phase").equals("COMPLETE")) {
          return 0;
        }
        if (d.get("phase").equals("ROLLED_BACK")) {
          return 1;
        }
      }
      Thread.sleep(250); // a person is watching; the server does the work
    }
  }
}
