package dev.gantry.runtime.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Artifacts for the tests: {@link TestService} packed as an executable jar under the build's tmpdir. */
final class TestJars {
  private static Path testService;

  private TestJars() {}

  /** The jar, built once per test JVM. */
  static synchronized Path testService() throws IOException {
    if (testService == null) {
      Path jar = Files.createTempFile(tmp(), "test-service-", ".jar");
      jar.toFile().deleteOnExit();
      Manifest mf = new Manifest();
      mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
      mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, TestService.class.getName());
      String entry = TestService.class.getName().replace('.', '/') + ".class";
      try (OutputStream file = Files.newOutputStream(jar);
          JarOutputStream out = new JarOutputStream(file, mf);
          InputStream in = TestService.class.getResourceAsStream("/" + entry)) {
        if (in == null) {
          throw new IOException("class file " + entry + " not found on the test class path");
        }
        out.putNextEntry(new JarEntry(entry));
        in.transferTo(out);
        out.closeEntry();
      }
      testService = jar;
    }
    return testService;
  }

  /** The build points java.io.tmpdir at target/: everything the tests write stays there. */
  static Path tmp() {
    return Path.of(System.getProperty("java.io.tmpdir"));
  }
}
