package dev.gantry.server.notify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where the notifier stands in the ledger, kept in the data directory: after a restart it resumes with the
 * entries written while it was down (a rollback at 3 a.m. during a server restart still reaches the
 * channel), but never more than {@code maxReplay} of them, so a server down for a week does not flood it.
 */
final class NotifierPosition {
  private final Path file;
  private final long maxReplay;

  NotifierPosition(Path file, long maxReplay) {
    this.file = file;
    this.maxReplay = maxReplay;
  }

  /** The first seq to notify about, given the ledger's size now. */
  long start(long head) {
    long saved = -1;
    try {
      if (Files.exists(file)) {
        saved = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).strip());
      }
    } catch (IOException | NumberFormatException e) {
      saved = -1; // unreadable: start at the head, as a first start does
    }
    if (saved < 0 || saved > head) {
      return head + 1;
    }
    return Math.max(saved + 1, head - maxReplay + 1);
  }

  /** Records that every entry up to seq has been handed to delivery (written atomically). */
  void save(long seq) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, Long.toString(seq), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot record the notifier's position in " + file, e);
    }
  }
}
