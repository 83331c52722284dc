package dev.gantry.server;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** {@code gantry server [--data DIR] [--port P] [--database URL] [--origin NAME]}. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class GantryServerApplication {

  public static void main(String[] args) {
    SpringApplication.run(GantryServerApplication.class, translate(args));
  }

  /** Maps the CLI's flags ({@code --data DIR}) to Spring properties ({@code --gantry.data-dir=DIR}). */
  static String[] translate(String[] args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      String property = switch (name) {
        case "--data" -> "gantry.data-dir";
        case "--port" -> "server.port";
        case "--database" -> "gantry.database-url";
        case "--origin" -> "gantry.origin";
        case "--bind" -> "server.address";
        default -> null;
      };
      if (property == null) {
        out.add(a);
        continue;
      }
      String value;
      if (a.contains("=")) {
        value = a.substring(a.indexOf('=') + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException(name + " needs a value");
      }
      out.add("--" + property + "=" + value);
    }
    return out.toArray(String[]::new);
  }
}
