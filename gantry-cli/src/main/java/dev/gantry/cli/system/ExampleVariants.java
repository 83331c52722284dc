package dev.gantry.cli.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Builds variants of the example pricing service: the same jar plus a {@code pricing-variant.properties}
 * resource (see the example's Variant class). Each variant is a distinct artifact with its own digest.
 */
public final class ExampleVariants {
  private ExampleVariants() {}

  /** Copies jar to out, adding the properties (e.g. "label=v2\nerrorRate=0.3\n"). */
  public static Path build(Path jar, Path out, String properties) throws IOException {
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
         ZipOutputStream zout = new ZipOutputStream(Files.newOutputStream(out))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        if (e.getName().equals("pricing-variant.properties")) {
          continue;
        }
        ZipEntry copy = new ZipEntry(e.getName());
        copy.setTime(e.getTime());
        zout.putNextEntry(copy);
        in.transferTo(zout);
        zout.closeEntry();
      }
      ZipEntry v = new ZipEntry("pricing-variant.properties");
      v.setTime(315_532_800_000L);
      zout.putNextEntry(v);
      zout.write(properties.getBytes(StandardCharsets.UTF_8));
      zout.closeEntry();
    }
    return out;
  }

  /** Builds the variant and registers it as a build of pricing through the API; returns its serial. */
  public static String register(dev.gantry.client.GantryClient ci, Path jar, Path out, String properties)
      throws IOException {
    Path file = build(jar, out, properties);
    java.util.Map<String, Object> up = ci.uploadArtifact(file);
    return (String) ci.registerArtifact(java.util.Map.of("service", "pricing", "digest", up.get("sha256"), "filename",
        file.getFileName().toString())).get("serial");
  }
}
