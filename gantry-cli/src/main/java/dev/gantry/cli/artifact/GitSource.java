package dev.gantry.cli.artifact;

import dev.gantry.cli.CliException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/** Reads a source repository with JGit: where it is, what is checked out, whether it is clean, what changed. */
final class GitSource implements AutoCloseable {
  /** Enough for any release; a first registration of a very old repository is cut here. */
  static final int MAX_COMMITS = 10_000;

  private final Repository repo;
  private final Git git;

  private GitSource(Repository repo) {
    this.repo = repo;
    this.git = new Git(repo);
  }

  static GitSource open(Path dir) {
    try {
      FileRepositoryBuilder b = new FileRepositoryBuilder().readEnvironment().findGitDir(dir.toAbsolutePath().toFile());
      if (b.getGitDir() == null) {
        throw new CliException("no git repository at or above " + dir);
      }
      return new GitSource(b.build());
    } catch (IOException e) {
      throw new CliException("cannot open the git repository at " + dir + ": " + e.getMessage());
    }
  }

  ObjectId head() throws IOException {
    ObjectId h = repo.resolve("HEAD");
    if (h == null) {
      throw new CliException("the repository has no commits");
    }
    return h;
  }

  String branch() throws IOException {
    return repo.getBranch();
  }

  String remoteUrl() {
    String url = repo.getConfig().getString("remote", "origin", "url");
    return url != null ? url : repo.getDirectory().getParentFile().toURI().toString();
  }

  /** Uncommitted changes or untracked files: the build may not match any commit. */
  List<String> dirtyPaths() {
    try {
      Status s = git.status().call();
      List<String> out = new ArrayList<>();
      out.addAll(s.getUncommittedChanges());
      out.addAll(s.getUntracked());
      return out;
    } catch (GitAPIException e) {
      throw new CliException("cannot read the working tree status: " + e.getMessage());
    }
  }

  /** Commits reachable from to but not from from (from may be null: everything), newest first. */
  List<Map<String, Object>> commits(String from, ObjectId to) throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (RevWalk walk = new RevWalk(repo)) {
      walk.markStart(walk.parseCommit(to));
      if (from != null) {
        ObjectId f = repo.resolve(from);
        if (f != null) {
          walk.markUninteresting(walk.parseCommit(f));
        }
      }
      for (RevCommit c : walk) {
        if (out.size() >= MAX_COMMITS) {
          break;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.getName());
        m.put("author", c.getAuthorIdent().getName() + " <" + c.getAuthorIdent().getEmailAddress() + ">");
        m.put("time", Instant.ofEpochSecond(c.getCommitTime()).toString());
        m.put("message", c.getFullMessage().strip());
        out.add(m);
      }
    }
    return out;
  }

  /** Commits of a range "A..B" (B defaults to HEAD), or just HEAD. */
  List<Map<String, Object>> range(String range) throws IOException {
    if (range == null) {
      return commits(head().getName() + "~1", head()).subList(0, 1);
    }
    int dots = range.indexOf("..");
    if (dots < 0) {
      throw new CliException("--range: '" + range + "' (expected A..B)", 2);
    }
    String a = range.substring(0, dots);
    String b = range.substring(dots + 2);
    ObjectId to = repo.resolve(b.isEmpty() ? "HEAD" : b);
    if (to == null || repo.resolve(a) == null) {
      throw new CliException("--range: cannot resolve '" + (to == null ? b : a) + "'", 2);
    }
    return commits(a, to);
  }

  @Override
  public void close() {
    git.close();
    repo.close();
  }
}
