package dev.gantry.runtime.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One instance's captured stdout and stderr: {@code output.log}, rotated by size into {@code output.log.1}
 * (newest) … {@code output.log.N} (oldest).
 *
 * <p>The process writes the file itself: it is started with its stdout and stderr opened on
 * {@code output.log} in append mode ({@code O_APPEND}). Rotation is therefore <em>copy-truncate</em>, as
 * logrotate's {@code copytruncate} does: copy the file to {@code .1}, then truncate it to zero. Because the
 * process's descriptor is in append mode, its next write lands at the new end (offset 0), with no hole. Two
 * known costs, accepted for output that survives a restart of the server (see {@link ProcessRuntimeDriver}):
 * bytes written between the end of the copy and the truncation (microseconds) are lost, and the file can
 * outgrow the limit by what the process writes between two supervision ticks.
 */
final class OutputLog {
  static final String FILE_NAME = "output.log";

  /**
   * A tail never reads more than this from one file: 4 MiB holds tens of thousands of ordinary log lines,
   * which is more than anyone reads in a console, and keeps a runaway line without newline from filling the heap.
   */
  static final int MAX_TAIL_BYTES = 4 * 1024 * 1024;

  private final Path file;
  private final long maxBytes;
  private final int files;

  OutputLog(Path logsDir, long maxBytes, int files) {
    this.file = logsDir.resolve(FILE_NAME);
    this.maxBytes = maxBytes;
    this.files = files;
  }

  /** The file the process appends to. */
  Path file() {
    return file;
  }

  /** {@code output.log.i}; {@code i == 0} is the current file. */
  Path numbered(int i) {
    return i == 0 ? file : file.resolveSibling(FILE_NAME + "." + i);
  }

  /**
   * Rotates when the current file has reached the size limit.
   *
   * @return true when it rotated
   */
  boolean rotateIfNeeded() throws IOException {
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (size < maxBytes) {
      return false;
    }
    // Oldest first, so that every move goes to a free name (output.log.N is overwritten: it falls off the end).
    for (int i = files - 1; i >= 1; i--) {
      Path from = numbered(i);
      if (Files.exists(from)) {
        Files.move(from, numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel out = FileChannel.open(numbered(1), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      // Copy to the end as it is *now* (the process may still be appending), then truncate at once: the loss
      // window is what the process writes between the last transfer and truncate(0).
      long pos = 0;
      long n;
      while ((n = in.transferTo(pos, Long.MAX_VALUE, out)) > 0) {
        pos += n;
      }
      in.truncate(0);
    }
    return true;
  }

  /**
   * The last {@code n} lines of the current file, preceded by the last lines of {@code output.log.1} when the
   * current file has fewer than {@code n} (for example just after a rotation).
   */
  List<String> tail(int n) throws IOException {
    if (n <= 0) {
      return List.of();
    }
    List<String> current = tail(file, n);
    if (current.size() >= n) {
      return current;
    }
    List<String> previous = tail(numbered(1), n - current.size());
    List<String> out = new ArrayList<>(previous.size() + current.size());
    out.addAll(previous);
    out.addAll(current);
    return out;
  }

  /** The last {@code n} lines of one file ({@code \n} or {@code \r\n}); a final line without newline counts. */
  static List<String> tail(Path path, int n) throws IOException {
    if (n <= 0) {
      return List.of();
    }
    byte[] bytes;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      long start = startOfLastLines(ch, size, n);
      bytes = readRange(ch, start, size);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.isEmpty()) {
      return List.of();
    }
    String[] parts = text.split("\n", -1);
    int count = text.endsWith("\n") ? parts.length - 1 : parts.length; // a final newline ends a line, it starts none
    List<String> lines = new ArrayList<>(Math.min(n, count));
    for (int i = Math.max(0, count - n); i < count; i++) {
      String line = parts[i];
      lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
    }
    return lines;
  }

  /** Scans backwards for the newline before the n-th last line; never further back than MAX_TAIL_BYTES. */
  private static long startOfLastLines(FileChannel ch, long size, int n) throws IOException {
    long floor = Math.max(0, size - MAX_TAIL_BYTES);
    ByteBuffer buf = ByteBuffer.allocate(8192);
    long pos = size;
    int newlines = 0;
    while (pos > floor) {
      int len = (int) Math.min(buf.capacity(), pos - floor);
      pos -= len;
      buf.clear().limit(len);
      int read = 0;
      while (read < len) {
        int r = ch.read(buf, pos + read);
        if (r < 0) {
          return pos + read; // truncated under us (a rotation): what is left is the tail
        }
        read += r;
      }
      for (int i = len - 1; i >= 0; i--) {
        if (buf.get(i) == '\n' && pos + i != size - 1 && ++newlines == n) {
          return pos + i + 1;
        }
      }
    }
    return floor;
  }

  private static byte[] readRange(FileChannel ch, long start, long end) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.max(0, end - start));
    long pos = start;
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) {
        break; // truncated by a rotation while we read: return what we got
      }
      pos += r;
    }
    buf.flip();
    byte[] out = new byte[buf.remaining()];
    buf.get(out);
    return out;
  }
}
