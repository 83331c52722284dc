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
    assertThat(prod.windows()).hasSize(2).first().satisfies(w -> {
      assertThat(w.describe()).isEqualTo("market-close (45 15 * * MON-FRI for 30m except 11 dates, America/New_York)");
      // YAML reads the holidays as timestamps; the CLI gives them back as the dates written.
      assertThat(w.except()).contains(java.time.LocalDate.parse("2026-12-25"));
    });
    assertThat(prod.windows().get(1).describe())
        .isEqualTo("early-close-christmas-eve (2026-12-24T12:45 to 2026-12-24T13:15, America/New_York)");
  }
}
