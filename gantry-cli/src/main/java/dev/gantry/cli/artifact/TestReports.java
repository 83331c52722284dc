package dev.gantry.cli.artifact;

import dev.gantry.cli.CliException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Collects JUnit XML reports (TEST-*.xml, as surefire and failsafe write them) from a directory. */
final class TestReports {
  private TestReports() {}

  static Map<String, String> read(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new CliException("--tests: " + dir + " is not a directory of JUnit XML reports");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().startsWith("TEST-") && p.toString().endsWith(".xml"))
          .sorted().toList();
    }
    if (files.isEmpty()) {
      throw new CliException("--tests: no TEST-*.xml reports in " + dir);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Path f : files) {
      out.put(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
    }
    return out;
  }
}
