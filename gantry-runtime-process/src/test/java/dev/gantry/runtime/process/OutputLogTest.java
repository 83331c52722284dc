package dev.gantry.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OutputLogTest {
  private Path dir;

  @BeforeEach
  void createDir() throws IOException {
    dir = Files.createTempDirectory(TestJars.tmp(), "output-log-");
  }

  @AfterEach
  void deleteDir() throws IOException {
    DriverTestSupport.deleteTree(dir);
  }

  @Test
  void tailReturnsTheLastLinesWithOrWithoutAFinalNewline() throws IOException {
    Path f = dir.resolve("f");
    Files.writeString(f, "one\ntwo\r\nthree\n");
    assertThat(OutputLog.tail(f, 2)).containsExactly("two", "three");
    assertThat(OutputLog.tail(f, 10)).containsExactly("one", "two", "three");
    assertThat(OutputLog.tail(f, 0)).isEmpty();

    Files.writeString(f, "one\ntwo\npartial");
    assertThat(OutputLog.tail(f, 2)).containsExactly("two", "partial");

    Files.writeString(f, "");
    assertThat(OutputLog.tail(f, 3)).isEmpty();
    assertThat(OutputLog.tail(dir.resolve("missing"), 3)).isEmpty();

    Files.writeString(f, "\n\n");
    assertThat(OutputLog.tail(f, 5)).containsExactly("", "");
  }

  @Test
  void tailFindsLinesAcrossReadBlocksAndKeepsUtf8Intact() throws IOException {
    Path f = dir.resolve("f");
    List<String> lines = IntStream.range(0, 5000).mapToObj(i -> "zeile-" + i + " – grüße €").toList();
    Files.write(f, lines, StandardCharsets.UTF_8);
    assertThat(OutputLog.tail(f, 1234)).isEqualTo(lines.subList(5000 - 1234, 5000));
  }

  @Test
  void tailReadsThePreviousFileWhenTheCurrentOneHasTooFewLines() throws IOException {
    OutputLog log = new OutputLog(dir, 1024, 3);
    Files.writeString(log.numbered(2), "old\n");
    Files.writeString(log.numbered(1), "p1\np2\np3\n");
    Files.writeString(log.file(), "c1\nc2\n");

    assertThat(log.tail(1)).containsExactly("c2");
    assertThat(log.tail(4)).containsExactly("p2", "p3", "c1", "c2");
    assertThat(log.tail(100)).as("only the current and the previous file").containsExactly("p1", "p2", "p3", "c1", "c2");
  }

  @Test
  void rotationCopiesThenTruncatesAndAnAppendingWriterContinuesAtTheStart() throws IOException {
    OutputLog log = new OutputLog(dir, 100, 2);
    // The process's side: a descriptor opened in append mode, as ProcessBuilder.Redirect.appendTo opens it.
    try (FileOutputStream process = new FileOutputStream(log.file().toFile(), true)) {
      process.write("x".repeat(99).concat("\n").getBytes(StandardCharsets.US_ASCII));
      assertThat(log.rotateIfNeeded()).isTrue();
      process.write("after\n".getBytes(StandardCharsets.US_ASCII));
    }
    assertThat(Files.size(log.numbered(1))).isEqualTo(100);
    assertThat(Files.readString(log.file())).as("no hole of 100 zero bytes before it").isEqualTo("after\n");
  }

  @Test
  void rotationHappensOnlyAtTheLimitAndKeepsAtMostTheConfiguredFiles() throws IOException {
    OutputLog log = new OutputLog(dir, 10, 2);
    Files.writeString(log.file(), "123456789"); // 9 bytes
    assertThat(log.rotateIfNeeded()).isFalse();

    for (String gen : List.of("first", "second", "third")) {
      Files.writeString(log.file(), gen + "-0123456789\n");
      assertThat(log.rotateIfNeeded()).isTrue();
    }

    assertThat(Files.readString(log.numbered(1))).startsWith("third");
    assertThat(Files.readString(log.numbered(2))).startsWith("second");
    assertThat(log.numbered(3)).doesNotExist();
    assertThat(Files.size(log.file())).isZero();
    assertThat(new OutputLog(dir.resolve("none"), 10, 2).rotateIfNeeded()).as("no file yet").isFalse();
  }
}
