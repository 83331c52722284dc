package dev.gantry.core.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequirementLinksTest {
  @Test
  void findsTrackerKeysAndIssueNumbersOnce() {
    var links = RequirementLinks.defaults();
    assertThat(links.find("PRC-101: quote mid prices (#42, see PRC-101 and RISK-7)"))
        .containsExactly("PRC-101", "RISK-7", "#42");
    assertThat(links.find("fix typo")).isEmpty();
    assertThat(links.find("UTF-8 handling")).containsExactly("UTF-8"); // a key-shaped word is a key: teams configure patterns
    assertThat(links.find("see https://x/y#section and &#42;")).isEmpty();
  }

  @Test
  void patternsAreConfigurable() {
    assertThat(new RequirementLinks(List.of("REQ\\d{4}")).find("REQ0042 and PRC-1")).containsExactly("REQ0042");
  }
}
