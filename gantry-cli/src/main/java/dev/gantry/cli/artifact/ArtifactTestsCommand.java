package dev.gantry.cli.artifact;

import dev.gantry.cli.CliConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry artifact tests SERIAL --tests DIR --suite full}: evidence added after registration. */
@Command(name = "tests", mixinStandardHelpOptions = true,
    description = "Add test evidence (JUnit XML) to a registered artifact, e.g. the full suite before production.")
public final class ArtifactTestsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", description = "serial or digest")
  String ref;

  @Option(names = "--tests", required = true, description = "directory of TEST-*.xml reports")
  Path tests;

  @Option(names = "--suite", required = true, description = "smoke or full")
  String suite;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> t = CliConfig.client().addTests(ref, suite, TestReports.read(tests));
    spec.commandLine().getOut().printf("%s: %s suite run %s: %s tests, %s failed, %s errors, %s skipped (ledger seq %s)%n",
        t.get("serial"), t.get("suite"), t.get("run"), t.get("tests"), t.get("failures"), t.get("errors"),
        t.get("skipped"), t.get("seq"));
    return 0;
  }
}
