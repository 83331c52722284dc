package dev.gantry.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where the notifier resumes after a restart. */
class NotifierPositionTest {
  final Path dir = newDir();

  static Path newDir() {
    try {
      return Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "notifier-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aFirstStartBeginsAtTheHead() {
    assertThat(new NotifierPosition(dir.resolve("p"), 500).start(1234)).isEqualTo(1235);
  }

  @Test
  void aRestartCatchesUpOnWhatHappenedWhileDownButNotOnAWeekOfIt() {
    NotifierPosition p = new NotifierPosition(dir.resolve("p"), 500);
    p.save(1000);
    assertThat(p.start(1040)).as("40 entries while down: all notified").isEqualTo(1001);
    assertThat(p.start(5000)).as("4,000 while down: the last 500").isEqualTo(4501);
    assertThat(p.start(1000)).as("nothing new").isEqualTo(1001);
  }

  @Test
  void aPositionBeyondTheHeadOrUnreadableStartsAtTheHead() throws Exception {
    NotifierPosition p = new NotifierPosition(dir.resolve("p"), 500);
    p.save(9000); // e.g. a data directory restored from an older backup of the database
    assertThat(p.start(100)).isEqualTo(101);
    Files.writeString(dir.resolve("p"), "garbage");
    assertThat(p.start(100)).isEqualTo(101);
  }
}
