package dev.gantry.core.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStamperTest {
  @TempDir
  Path dir;

  final ArtifactStamper stamper = new ArtifactStamper(1 << 20, 1000);

  private Path jar(String name) throws IOException {
    Path p = dir.resolve(name);
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "example.Main");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(p), m)) {
      out.putNextEntry(new ZipEntry("example/Main.class"));
      out.write(new byte[] {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE});
      out.closeEntry();
      ZipEntry stored = new ZipEntry("lib/nested.jar");
      stored.setMethod(ZipEntry.STORED);
      byte[] data = "nested".getBytes(StandardCharsets.UTF_8);
      stored.setSize(data.length);
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(data);
      stored.setCrc(crc.getValue());
      out.putNextEntry(stored);
      out.write(data);
      out.closeEntry();
    }
    return p;
  }

  @Test
  void jarManifestCarriesSerialAndCommitAndTheRestIsUnchanged() throws Exception {
    Path in = jar("app.jar");
    Path out = dir.resolve("stamped.jar");
    stamper.stamp(in, out, ArtifactStamper.detect(in), "A-000042", "a".repeat(40));
    assertThat(ArtifactStamper.serialOfJar(out)).isEqualTo("A-000042");
    try (var jf = new java.util.jar.JarFile(out.toFile())) {
      assertThat(jf.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("example.Main");
      assertThat(jf.getManifest().getMainAttributes().getValue(ArtifactStamper.COMMIT_ATTRIBUTE)).isEqualTo("a".repeat(40));
      assertThat(jf.getInputStream(jf.getEntry("example/Main.class")).readAllBytes()).hasSize(4);
      assertThat(jf.getEntry("lib/nested.jar").getMethod()).isEqualTo(ZipEntry.STORED);
    }
  }

  @Test
  void stampingIsDeterministic() throws Exception {
    Path in = jar("app.jar");
    Path a = dir.resolve("a.jar");
    Path b = dir.resolve("b.jar");
    stamper.stamp(in, a, ArtifactStamper.Format.JAR, "A-000001", null);
    stamper.stamp(in, b, ArtifactStamper.Format.JAR, "A-000001", null);
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
  }

  @Test
  void zipSlipEntryNamesAreRefused() throws Exception {
    for (String evil : new String[] {"../evil.sh", "a/../../evil", "/etc/passwd", "C:/x", "a\\..\\b"}) {
      Path p = dir.resolve("evil.jar");
      try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(p))) {
        out.putNextEntry(new ZipEntry(evil));
        out.write(1);
        out.closeEntry();
      }
      assertThatThrownBy(() -> stamper.stamp(p, dir.resolve("o.jar"), ArtifactStamper.Format.JAR, "A-1", null))
          .as(evil).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(evil);
    }
  }

  @Test
  void zipBombIsRefusedWithoutExpandingIt() throws Exception {
    Path p = dir.resolve("bomb.jar");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(p))) {
      out.putNextEntry(new ZipEntry("zeros"));
      out.write(new byte[4 << 20]); // 4 MiB of zeros compress to a few KiB; the limit is 1 MiB
      out.closeEntry();
    }
    assertThat(Files.size(p)).isLessThan(64 * 1024);
    assertThatThrownBy(() -> stamper.stamp(p, dir.resolve("o.jar"), ArtifactStamper.Format.JAR, "A-1", null))
        .hasMessageContaining("expands beyond");
  }

  @Test
  void tarGzGetsASerialFileThatTheTarToolReads() throws Exception {
    Path src = dir.resolve("src");
    Files.createDirectories(src.resolve("bin"));
    Files.writeString(src.resolve("bin/run.sh"), "#!/bin/sh\necho hi\n");
    Path tgz = dir.resolve("app.tar.gz");
    Process tar = new ProcessBuilder("tar", "-czf", tgz.toString(), "-C", src.toString(), "bin").start();
    assertThat(tar.waitFor()).isZero();
    Path out = dir.resolve("stamped.tar.gz");
    stamper.stamp(tgz, out, ArtifactStamper.detect(tgz), "A-000007", "b".repeat(40));
    Process list = new ProcessBuilder("tar", "-xzOf", out.toString(), ArtifactStamper.SERIAL_FILE).start();
    String content = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(list.waitFor()).isZero();
    assertThat(content).isEqualTo("A-000007\n" + "b".repeat(40) + "\n");
    Process all = new ProcessBuilder("tar", "-tzf", out.toString()).start();
    assertThat(new String(all.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("bin/run.sh");
  }

  @Test
  void tarPathTraversalIsRefused() throws Exception {
    Path tgz = dir.resolve("evil.tar.gz");
    byte[] header = new byte[512];
    byte[] name = "../../etc/cron.d/x".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(name, 0, header, 0, name.length);
    put(header, 100, "0000644");
    put(header, 124, "00000000001");
    header[156] = '0';
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[154] = 0;
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
      out.write(header);
      out.write(new byte[512]);
      out.write(new byte[1024]);
    }
    assertThatThrownBy(() -> stamper.stamp(tgz, dir.resolve("o.tgz"), ArtifactStamper.Format.TAR_GZ, "A-1", null))
        .hasMessageContaining("climbs out");
  }

  @Test
  void otherFilesAreNotArtifacts() throws Exception {
    Path p = dir.resolve("x.txt");
    Files.writeString(p, "hello");
    assertThatThrownBy(() -> ArtifactStamper.detect(p)).hasMessageContaining("neither a jar");
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }
}
