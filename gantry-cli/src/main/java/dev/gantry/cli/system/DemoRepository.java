package dev.gantry.cli.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.transport.URIish;

/**
 * The demo's (and the end-to-end tests') source repository: the example service's sources in two commits,
 * the first naming requirement PRC-101, the second naming none.
 */
public final class DemoRepository {
  private DemoRepository() {}

  /** The ids of the two commits. */
  public record Commits(String linked, String unlinked) {}

  public static Commits create(Path example, Path repo) throws IOException, GitAPIException, java.net.URISyntaxException {
    copy(example.resolve("src"), repo.resolve("src"));
    Files.copy(example.resolve("pom.xml"), repo.resolve("pom.xml"), StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(repo.resolve(".gitignore"), "target/\n");
    PersonIdent dev = new PersonIdent("Dana Quant", "dana@example.com");
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      git.remoteAdd().setName("origin").setUri(new URIish("https://git.example.com/desk/pricing.git")).call();
      git.add().addFilepattern(".").call();
      String linked = git.commit().setAuthor(dev).setCommitter(dev)
          .setMessage("PRC-101: quote mid prices for EURUSD, GBPUSD, USDJPY").call().getName();
      Files.writeString(repo.resolve("README.md"), "# pricing\n");
      git.add().addFilepattern("README.md").call();
      String unlinked = git.commit().setAuthor(dev).setCommitter(dev).setMessage("tidy readme").call().getName();
      return new Commits(linked, unlinked);
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
