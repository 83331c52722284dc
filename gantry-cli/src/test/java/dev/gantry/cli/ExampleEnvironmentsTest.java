package dev.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.cli.deploy.ServiceCommand;
import dev.gantry.core.policy.Environment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The environment definitions the README tour applies are valid as the CLI reads them. */
class ExampleEnvironmentsTest {
  static final Path DIR = Path.of(System.getProperty("gantry.home", "../"), "examples", "environments");

  @Test
  void exampleDefinitionsParse() throws Exception {
    Environment staging = Environment.parse(ServiceCommand.read(DIR.resolve("staging.yaml")));
    Environment prod = Environment.parse(ServiceCommand.read(DIR.resolve("prod.yaml")));
    assertThat(staging.name()).isEqualTo("staging");
    assertThat(prod.requires()).containsExactly("staging");
    assertThat(prod.rules().approvals().count()).isEqualTo(2);
    assertThat(prod.windows()).singleElement().satisfies(w -> assertThat(w.describe())
        .isEqualTo("market-close (45 15 * * MON-FRI for 30m, America/New_York)"));
  }
}
