package dev.gantry.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.core.json.JsonException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceRecordTest {
  private static final InstanceRecord RECORD = new InstanceRecord("pricing-A-000002-1", "pricing", "v3", "A-000002",
      "a".repeat(64), "pricing.jar", List.of("{java}", "-jar", "{artifact}"),
      List.of("/usr/bin/java", "-jar", "/data/runtime/instances/pricing-A-000002-1/artifact/pricing.jar"),
      "/usr/bin/java", Map.of("FEED", "primary", "QUOTE", "a \"quoted\" value"), 41234, 4242L,
      Instant.parse("2030-01-02T03:04:05.120Z"), Instant.parse("2030-01-02T03:04:06Z"), 2, "RUNNING", false,
      "(dev=803,ino=12345)", null);

  @Test
  void aRecordSurvivesTheRoundTripThroughItsFile() {
    assertThat(InstanceRecord.fromJson(RECORD.toJson())).isEqualTo(RECORD);
    InstanceRecord beforeFirstStart = new InstanceRecord("x", null, null, null, "b".repeat(64), "f", List.of("sleep"),
        List.of(), "/j", Map.of(), 0, null, null, null, 0, "STARTING", false, null, null);
    assertThat(InstanceRecord.fromJson(beforeFirstStart.toJson())).isEqualTo(beforeFirstStart);
  }

  @Test
  void aRecordOfANewerFormatOrWithAMissingMemberIsRefusedByName() {
    String newer = RECORD.toJson().replace("\"format\": 1", "\"format\": 2");
    assertThatThrownBy(() -> InstanceRecord.fromJson(newer))
        .isInstanceOf(JsonException.class).hasMessageContaining("\"format\": 2 (expected: <= 1");
    String noPort = RECORD.toJson().replace("\"port\": 41234,", "");
    assertThatThrownBy(() -> InstanceRecord.fromJson(noPort))
        .isInstanceOf(JsonException.class).hasMessageContaining("\"port\"");
  }

  @Test
  void digestsAreAcceptedBareOrPrefixedInEitherCase() {
    String hex = "ab".repeat(32);
    assertThat(Digests.normalize(hex)).isEqualTo(hex);
    assertThat(Digests.normalize("sha256:" + hex.toUpperCase())).isEqualTo(hex);
    assertThatThrownBy(() -> Digests.normalize("md5:" + hex))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("digest: md5:");
  }
}
