package dev.gantry.server.artifact;

import dev.gantry.core.artifact.Sboms;
import dev.gantry.core.json.Json;
import dev.gantry.server.auth.ApiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.cyclonedx.Version;
import org.cyclonedx.exception.ParseException;
import org.cyclonedx.parsers.JsonParser;
import org.springframework.stereotype.Component;

/** Validates a CycloneDX JSON SBOM against the official schema of its spec version (1.4, 1.5, 1.6). */
@Component
class SbomValidator {
  /** How many of the validator's reasons go into the refusal (the first ones say enough). */
  private static final int MAX_REASONS = 10;

  Sboms.Summary validate(String sbom) {
    Map<String, Object> bom;
    try {
      bom = Json.parseObject(sbom);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "invalid-sbom", "SBOM is not JSON: " + e.getMessage());
    }
    String specVersion;
    try {
      specVersion = Sboms.specVersion(bom);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "invalid-sbom", e.getMessage());
    }
    Version v = switch (specVersion) {
      case "1.4" -> Version.VERSION_14;
      case "1.5" -> Version.VERSION_15;
      default -> Version.VERSION_16;
    };
    List<ParseException> problems;
    try {
      problems = new JsonParser().validate(sbom.getBytes(StandardCharsets.UTF_8), v);
    } catch (IOException e) {
      throw new ApiException(400, "invalid-sbom", "SBOM could not be read: " + e.getMessage());
    }
    if (!problems.isEmpty()) {
      List<String> reasons = problems.stream().limit(MAX_REASONS).map(ParseException::getMessage).toList();
      throw new ApiException(400, "invalid-sbom", "SBOM does not validate against CycloneDX " + specVersion + ": "
          + String.join("; ", reasons) + (problems.size() > MAX_REASONS ? " (and " + (problems.size() - MAX_REASONS)
          + " more)" : ""));
    }
    return Sboms.read(bom);
  }
}
