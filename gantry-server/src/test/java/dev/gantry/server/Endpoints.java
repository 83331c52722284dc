package dev.gantry.server;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.springframework.context.ApplicationContext;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/** The API's endpoints as the running application registered them (not as a test lists them). */
final class Endpoints {
  private Endpoints() {}

  /** One HTTP method on one path pattern, e.g. {@code PUT /api/v1/accounts/{name}/roles}. */
  record Endpoint(String method, String pattern) {
    /** The pattern with every path variable filled in. */
    String path() {
      return pattern.replaceAll("\\{[^}]+}", "x1");
    }

    boolean hasBody() {
      return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    @Override
    public String toString() {
      return method + " " + pattern;
    }
  }

  /** Every (method, pattern) mapped under /api/v1, sorted. */
  static List<Endpoint> api(ApplicationContext context) {
    RequestMappingHandlerMapping mapping =
        context.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class);
    List<Endpoint> out = new ArrayList<>();
    for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
      Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
      for (String pattern : info.getPatternValues()) {
        if (!pattern.startsWith("/api/v1/")) {
          continue;
        }
        if (methods.isEmpty()) {
          out.add(new Endpoint("GET", pattern));
        }
        for (RequestMethod m : methods) {
          out.add(new Endpoint(m.name(), pattern));
        }
      }
    }
    out.sort(Comparator.comparing(Endpoint::pattern).thenComparing(Endpoint::method));
    return out;
  }
}
