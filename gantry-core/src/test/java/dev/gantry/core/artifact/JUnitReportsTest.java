package dev.gantry.core.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JUnitReportsTest {
  static final String SUREFIRE = """
      <?xml version="1.0" encoding="UTF-8"?>
      <testsuite name="example.PriceTest" tests="4" failures="1" errors="1" skipped="1" time="0.05">
        <testcase name="quotesMid" classname="example.PriceTest" time="0.012"/>
        <testcase name="rejectsNegative" classname="example.PriceTest" time="0.003">
          <failure message="expected: 0 but was: -1" type="org.opentest4j.AssertionFailedError">trace</failure>
        </testcase>
        <testcase name="usesFeed" classname="example.PriceTest" time="0.001"><error message="boom" type="java.lang.IllegalStateException"/></testcase>
        <testcase name="later" classname="example.PriceTest" time="0"><skipped/></testcase>
      </testsuite>
      """;

  @Test
  void surefireReportGivesTotalsAndEveryCase() {
    var r = JUnitReports.parse(Map.of("TEST-example.PriceTest.xml", SUREFIRE.getBytes(StandardCharsets.UTF_8)));
    assertThat(r.tests()).isEqualTo(4);
    assertThat(r.failures()).isEqualTo(1);
    assertThat(r.errors()).isEqualTo(1);
    assertThat(r.skipped()).isEqualTo(1);
    assertThat(r.cases()).extracting(c -> c.test() + "=" + c.status()).containsExactly(
        "example.PriceTest#quotesMid=passed", "example.PriceTest#rejectsNegative=failed",
        "example.PriceTest#usesFeed=error", "example.PriceTest#later=skipped");
    assertThat(r.cases().get(0).timeMs()).isEqualTo(12);
    assertThat(r.cases().get(1).message()).isEqualTo("expected: 0 but was: -1");
  }

  @Test
  void externalEntitiesAreRefused() {
    String xxe = """
        <?xml version="1.0"?>
        <!DOCTYPE testsuite [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
        <testsuite><testcase classname="a" name="&secret;"/></testsuite>
        """;
    assertThatThrownBy(() -> JUnitReports.parse(Map.of("evil.xml", xxe.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("evil.xml").hasMessageContaining("DOCTYPE");
  }

  @Test
  void entityExpansionBombIsRefused() {
    String lol = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
        <testsuite><testcase classname="a" name="&lol2;"/></testsuite>
        """;
    assertThatThrownBy(() -> JUnitReports.parse(Map.of("lol.xml", lol.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void otherXmlIsRefusedWithItsRootElement() {
    assertThatThrownBy(() -> JUnitReports.parse(Map.of("pom.xml", "<project/>".getBytes(StandardCharsets.UTF_8))))
        .hasMessageContaining("<project>");
  }
}
