package dev.gantry.cli.deploy;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.CliException;
import dev.gantry.cli.Output;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry service apply -f pricing.yaml} and {@code gantry service list}. */
@Command(name = "service", mixinStandardHelpOptions = true, description = "Service specs: how to run and release.",
    subcommands = {ServiceCommand.Apply.class, ServiceCommand.ListServices.class})
public final class ServiceCommand {

  @Command(name = "apply", mixinStandardHelpOptions = true, description = "Apply a service spec (YAML or JSON).")
  static final class Apply implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, description = "the spec, e.g. pricing.yaml")
    Path file;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> m = read(file);
      if (!(m.get("name") instanceof String name)) {
        throw new CliException(file + ": the spec has no name");
      }
      Map<String, Object> r = CliConfig.client().applyService(name, m);
      spec.commandLine().getOut().printf("service %s applied (ledger seq %s)%n", name, r.get("seq"));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List services and their stable versions.")
  static final class ListServices implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      List<Object> rows = new java.util.ArrayList<>();
      for (Object o : CliConfig.client().services()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) o); // parsed JSON is read-only
        rows.add(m);
        if (m.get("deployment") instanceof Map<?, ?> d) {
          m.put("phase", d.get("phase"));
          m.put("deploying", d.get("serial"));
        }
      }
      Output.table(spec.commandLine().getOut(), rows, "name", "stable", "halted", "deploying", "phase");
      return 0;
    }
  }

  /** Reads YAML (a superset of JSON) with the safe constructor: plain maps, lists and scalars only. */
  public static Map<String, Object> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new CliException("no such file " + file);
    }
    Object doc;
    try {
      LoaderOptions opts = new LoaderOptions();
      opts.setAllowDuplicateKeys(false);
      opts.setMaxAliasesForCollections(10);
      doc = new Yaml(new SafeConstructor(opts)).load(Files.readString(file));
    } catch (YAMLException e) {
      throw new CliException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (!(doc instanceof Map<?, ?> m)) {
      throw new CliException(file + ": expected a mapping at the top");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> out = (Map<String, Object>) normalize(m);
    return out;
  }

  /** YAML numbers to JSON numbers (integers as Long, others as BigDecimal); keys as strings. */
  private static Object normalize(Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), normalize(v)));
      return out;
    }
    if (o instanceof List<?> l) {
      return l.stream().map(ServiceCommand::normalize).toList();
    }
    if (o instanceof Integer i) {
      return i.longValue();
    }
    if (o instanceof Double d) {
      return new BigDecimal(d.toString());
    }
    if (o instanceof java.util.Date d) { // YAML 1.1 reads 2030-12-25 as a timestamp: give back what was written
      java.time.Instant t = d.toInstant();
      return t.equals(t.truncatedTo(java.time.temporal.ChronoUnit.DAYS))
          ? java.time.LocalDate.ofInstant(t, java.time.ZoneOffset.UTC).toString() : t.toString();
    }
    return o;
  }
}
