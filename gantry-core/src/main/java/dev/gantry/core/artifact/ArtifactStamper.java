package dev.gantry.core.artifact;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Writes an artifact's serial into a copy of it: for a jar (zip), {@code Gantry-Serial} and
 * {@code Gantry-Source-Commit} in {@code META-INF/MANIFEST.MF}; for a tar.gz, a {@code GANTRY-SERIAL}
 * file appended to the archive. A running jar can then report its own serial.
 *
 * <p>Archives are streamed, never unpacked to disk: entry names with {@code ..}, absolute paths or
 * backslashes are refused (zip slip), and the uncompressed total and entry count are capped (zip
 * bombs). The output is deterministic: same input and serial, same bytes.
 */
public final class ArtifactStamper {
  public static final String SERIAL_ATTRIBUTE = "Gantry-Serial";
  public static final String COMMIT_ATTRIBUTE = "Gantry-Source-Commit";
  public static final String SERIAL_FILE = "GANTRY-SERIAL";

  /** Fixed time for entries we write (1980-02-01, inside the zip epoch), so stamping is reproducible. */
  private static final long FIXED_TIME = 315_532_800_000L + 31L * 86_400_000L;

  private final long maxUncompressed;
  private final int maxEntries;

  /**
   * @param maxUncompressed refuse archives that expand beyond this many bytes
   * @param maxEntries refuse archives with more entries than this
   */
  public ArtifactStamper(long maxUncompressed, int maxEntries) {
    this.maxUncompressed = maxUncompressed;
    this.maxEntries = maxEntries;
  }

  /** The artifact kinds Gantry can stamp. */
  public enum Format {
    JAR,
    TAR_GZ;

    public String wire() {
      return this == JAR ? "jar" : "tar.gz";
    }
  }

  /** Detects the format from the file's first bytes (not its name). */
  public static Format detect(Path file) throws IOException {
    byte[] head = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, 4);
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
      return Format.JAR;
    }
    if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Format.TAR_GZ;
    }
    throw new IllegalArgumentException("artifact is neither a jar/zip nor a tar.gz (by its first bytes)");
  }

  /** Writes the stamped copy of in to out. */
  public void stamp(Path in, Path out, Format format, String serial, String commit) throws IOException {
    switch (format) {
      case JAR -> stampJar(in, out, serial, commit);
      case TAR_GZ -> stampTarGz(in, out, serial, commit);
    }
  }

  private void stampJar(Path in, Path out, String serial, String commit) throws IOException {
    Manifest manifest = null;
    long total = 0;
    int count = 0;
    Set<String> names = new HashSet<>();
    // First pass: find and check everything, read the manifest.
    try (ZipInputStream zin = new ZipInputStream(new BufferedInputStream(Files.newInputStream(in)))) {
      for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
        checkName(e.getName());
        if (!names.add(e.getName())) {
          throw new IllegalArgumentException("archive has entry '" + e.getName() + "' twice");
        }
        if (++count > maxEntries) {
          throw new IllegalArgumentException("archive has more than " + maxEntries + " entries");
        }
        if (e.getName().equalsIgnoreCase(JarFile.MANIFEST_NAME)) {
          manifest = new Manifest(new BoundedStream(zin, 1 << 20, "the manifest"));
        } else {
          total += drain(zin, maxUncompressed - total);
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw new IllegalArgumentException("not a valid jar: " + e.getMessage());
    }
    if (manifest == null) {
      manifest = new Manifest();
      manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    }
    manifest.getMainAttributes().putValue(SERIAL_ATTRIBUTE, serial);
    if (commit != null) {
      manifest.getMainAttributes().putValue(COMMIT_ATTRIBUTE, commit);
    }
    // Second pass: the manifest first (as the JDK expects), then every other entry unchanged.
    try (ZipInputStream zin = new ZipInputStream(new BufferedInputStream(Files.newInputStream(in)));
         ZipOutputStream zout = new ZipOutputStream(Files.newOutputStream(out))) {
      if (names.contains("META-INF/")) {
        ZipEntry dir = new ZipEntry("META-INF/");
        dir.setTime(FIXED_TIME);
        zout.putNextEntry(dir);
        zout.closeEntry();
      }
      ZipEntry me = new ZipEntry(JarFile.MANIFEST_NAME);
      me.setTime(FIXED_TIME);
      zout.putNextEntry(me);
      manifest.write(zout);
      zout.closeEntry();
      for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
        if (e.getName().equalsIgnoreCase(JarFile.MANIFEST_NAME) || e.getName().equals("META-INF/")) {
          continue;
        }
        ZipEntry copy = new ZipEntry(e.getName());
        copy.setTime(e.getTime());
        if (e.getMethod() == ZipEntry.STORED) {
          // Stored entries stay stored: executable jars need their nested jars uncompressed.
          copy.setMethod(ZipEntry.STORED);
          copy.setSize(e.getSize());
          copy.setCompressedSize(e.getSize());
          copy.setCrc(e.getCrc());
        }
        if (e.getComment() != null) {
          copy.setComment(e.getComment());
        }
        zout.putNextEntry(copy);
        zin.transferTo(zout);
        zout.closeEntry();
      }
    }
  }

  /** Copies the tar stream unchanged up to its end marker, then appends GANTRY-SERIAL and a new end. */
  private void stampTarGz(Path in, Path out, String serial, String commit) throws IOException {
    try (InputStream raw = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(in)), 1 << 16);
         GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(out), 1 << 16)) {
      byte[] block = new byte[512];
      long total = 0;
      int count = 0;
      while (true) {
        if (raw.readNBytes(block, 0, 512) != 512) {
          throw new IllegalArgumentException("truncated tar archive");
        }
        if (isZero(block)) {
          break; // end-of-archive marker; we write our own after the serial file
        }
        if (!checksumOk(block)) {
          throw new IllegalArgumentException("not a tar archive (bad header checksum)");
        }
        String name = tarName(block);
        char type = (char) block[156];
        if (type != 'x' && type != 'g' && type != 'L' && type != 'K') {
          checkName(name);
          if (++count > maxEntries) {
            throw new IllegalArgumentException("archive has more than " + maxEntries + " entries");
          }
        }
        if (name.equals(SERIAL_FILE)) {
          throw new IllegalArgumentException("archive already contains " + SERIAL_FILE);
        }
        long size = octal(block, 124, 12);
        total += size;
        if (total > maxUncompressed) {
          throw new IllegalArgumentException("archive expands beyond " + maxUncompressed + " bytes");
        }
        gz.write(block);
        long padded = (size + 511) / 512 * 512;
        byte[] buf = new byte[8192];
        for (long left = padded; left > 0; ) {
          int n = raw.readNBytes(buf, 0, (int) Math.min(buf.length, left));
          if (n <= 0) {
            throw new IllegalArgumentException("truncated tar archive");
          }
          gz.write(buf, 0, n);
          left -= n;
        }
      }
      byte[] content = (serial + "\n" + (commit == null ? "" : commit + "\n")).getBytes(StandardCharsets.UTF_8);
      gz.write(tarHeader(SERIAL_FILE, content.length));
      gz.write(content);
      gz.write(new byte[(int) ((512 - content.length % 512) % 512)]);
      gz.write(new byte[1024]);
    }
  }

  static void checkName(String name) {
    String n = name.replace('\\', '/');
    if (name.isEmpty() || name.contains("\\") || n.startsWith("/") || n.contains("\0")
        || (n.length() > 1 && n.charAt(1) == ':')) {
      throw new IllegalArgumentException("archive entry name '" + name + "' is not a safe relative path");
    }
    for (String part : n.split("/")) {
      if (part.equals("..")) {
        throw new IllegalArgumentException("archive entry name '" + name + "' climbs out of the archive (..)");
      }
    }
  }

  private static long drain(InputStream in, long allowed) throws IOException {
    byte[] buf = new byte[8192];
    long n = 0;
    for (int r; (r = in.read(buf)) > 0; ) {
      n += r;
      if (n > allowed) {
        throw new IllegalArgumentException("archive expands beyond the limit (a zip bomb?)");
      }
    }
    return n;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean checksumOk(byte[] h) {
    long stored = octal(h, 148, 8);
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    return sum == stored;
  }

  private static String tarName(byte[] h) {
    String name = cString(h, 0, 100);
    if (h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r') {
      String prefix = cString(h, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
    }
    return name;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int off, int len) {
    long v = 0;
    for (int i = off; i < off + len; i++) {
      byte c = b[i];
      if (c == 0 || c == ' ') {
        if (v > 0) {
          break;
        }
        continue;
      }
      if (c < '0' || c > '7') {
        throw new IllegalArgumentException("not a tar archive (bad octal field)");
      }
      v = v * 8 + (c - '0');
    }
    return v;
  }

  private static byte[] tarHeader(String name, long size) {
    byte[] h = new byte[512];
    put(h, 0, name);
    put(h, 100, "0000644");
    put(h, 108, "0000000");
    put(h, 116, "0000000");
    put(h, 124, String.format("%011o", size));
    put(h, 136, String.format("%011o", FIXED_TIME / 1000));
    h[156] = '0';
    put(h, 257, "ustar");
    h[262] = 0;
    put(h, 263, "00");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte x : h) {
      sum += x & 0xff;
    }
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }

  /** Caps how much of a stream may be read (for the manifest). */
  private static final class BoundedStream extends InputStream {
    private final InputStream in;
    private final String what;
    private long left;

    BoundedStream(InputStream in, long max, String what) {
      this.in = in;
      this.left = max;
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      if (left-- <= 0) {
        throw new IllegalArgumentException(what + " is too large");
      }
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        throw new IllegalArgumentException(what + " is too large");
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }

    @Override
    public void close() {
      // the zip stream stays open for the next entry
    }
  }

  /** Reads the serial a stamped jar carries (for `gantry artifact verify` and for running services). */
  public static String serialOfJar(Path jar) throws IOException {
    try (JarFile f = new JarFile(jar.toFile())) {
      Manifest m = f.getManifest();
      return m == null ? null : m.getMainAttributes().getValue(SERIAL_ATTRIBUTE);
    }
  }

}
