package dev.gantry.cli.artifact;

import dev.gantry.cli.CliException;
import dev.gantry.core.artifact.RequirementLinks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry commits check [--range A..B] [--git DIR]}: fails when a commit names no requirement.
 * As a {@code commit-msg} hook: {@code gantry commits check --message-file "$1"}.
 */
@Command(name = "commits", mixinStandardHelpOptions = true, description = "Check commits for requirement links.",
    subcommands = CommitsCheckCommand.Check.class)
public final class CommitsCheckCommand {

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Fail on commits whose message names no requirement (default patterns: ABC-123, #123).")
  static final class Check implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--range", description = "commits A..B (default: HEAD only)")
    String range;

    @Option(names = "--git", defaultValue = ".", description = "the repository (default: current directory)")
    Path git;

    @Option(names = "--message-file", description = "check this commit message instead (commit-msg hook)")
    Path messageFile;

    @Option(names = "--pattern", description = "a requirement id regular expression (repeatable; replaces the defaults)")
    List<String> patterns;

    @Override
    public Integer call() throws Exception {
      RequirementLinks links = patterns == null ? RequirementLinks.defaults() : new RequirementLinks(patterns);
      var out = spec.commandLine().getOut();
      if (messageFile != null) {
        if (!Files.isRegularFile(messageFile)) {
          throw new CliException("no such file " + messageFile);
        }
        String msg = Files.readString(messageFile).lines().filter(l -> !l.startsWith("#"))
            .reduce("", (a, b) -> a + b + "\n");
        List<String> ids = links.find(msg);
        if (ids.isEmpty()) {
          spec.commandLine().getErr().println("gantry: the commit message names no requirement (e.g. PRC-123 or #123)");
          return 1;
        }
        out.println("ok: links " + String.join(", ", ids));
        return 0;
      }
      int unlinked = 0;
      List<Map<String, Object>> commits;
      try (GitSource src = GitSource.open(git)) {
        commits = src.range(range);
      }
      for (Map<String, Object> c : commits) {
        String msg = (String) c.get("message");
        List<String> ids = links.find(msg);
        String first = msg.lines().findFirst().orElse("");
        if (ids.isEmpty()) {
          unlinked++;
          out.printf("UNLINKED  %s  %s%n", ((String) c.get("id")).substring(0, 12), first);
        } else {
          out.printf("ok        %s  %s  [%s]%n", ((String) c.get("id")).substring(0, 12), first, String.join(", ", ids));
        }
      }
      if (unlinked > 0) {
        spec.commandLine().getErr().printf("gantry: %d of %d commits name no requirement%n", unlinked, commits.size());
        return 1;
      }
      return 0;
    }
  }
}
