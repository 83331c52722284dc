package dev.gantry.cli.artifact;

import dev.gantry.cli.CliConfig;
import dev.gantry.cli.CliException;
import dev.gantry.client.GantryClient;
import dev.gantry.core.json.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.ObjectId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry artifact register --service S --file F [--sbom bom.json] [--tests DIR --suite smoke|full]
 * [--git DIR] [--tool name=version ...] [--allow-dirty]}: uploads the file (streamed), reads the source
 * repository, sends commits since the service's previous artifact, and prints the serial.
 */
@Command(name = "register", mixinStandardHelpOptions = true,
    description = "Register a build: serial, stamped copy, signed provenance, commits, SBOM, tests.")
public final class ArtifactRegisterCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--service", required = true, description = "the service this artifact is a build of")
  String service;

  @Option(names = "--file", required = true, description = "the artifact: a jar or a tar.gz")
  Path file;

  @Option(names = "--sbom", description = "CycloneDX JSON BOM (1.4-1.6), e.g. target/bom.json")
  Path sbom;

  @Option(names = "--tests", description = "directory of JUnit XML reports, e.g. target/surefire-reports")
  Path tests;

  @Option(names = "--suite", defaultValue = "smoke", description = "smoke (every build) or full (before production)")
  String suite;

  @Option(names = "--git", defaultValue = ".", description = "the source repository (default: the current directory)")
  Path git;

  @Option(names = "--no-git", description = "register without source information")
  boolean noGit;

  @Option(names = "--allow-dirty", description = "accept uncommitted changes (recorded in the ledger and provenance)")
  boolean allowDirty;

  @Option(names = "--tool", description = "a build tool and its version, name=version (repeatable)")
  Map<String, String> tools = new TreeMap<>();

  @Option(names = "--json", description = "print the API answer as JSON")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!Files.isRegularFile(file)) {
      throw new CliException("--file: no such file " + file);
    }
    GantryClient c = CliConfig.client();
    Map<String, Object> req = new LinkedHashMap<>();
    req.put("service", service);
    req.put("filename", file.getFileName().toString());
    if (!noGit) {
      try (GitSource src = GitSource.open(git)) {
        ObjectId head = src.head();
        List<String> dirty = src.dirtyPaths();
        if (!dirty.isEmpty() && !allowDirty) {
          throw new CliException("the working tree has uncommitted changes (" + String.join(", ",
              dirty.subList(0, Math.min(5, dirty.size()))) + (dirty.size() > 5 ? ", ..." : "")
              + "); commit them or pass --allow-dirty");
        }
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("repo", src.remoteUrl());
        source.put("commit", head.getName());
        source.put("branch", src.branch());
        source.put("dirty", !dirty.isEmpty());
        req.put("source", source);
        req.put("allowDirty", allowDirty);
        Map<String, Object> previous = c.latestArtifact(service);
        String from = null;
        if (previous != null && previous.get("source") instanceof Map<?, ?> ps && ps.get("commit") instanceof String pc) {
          from = pc;
        }
        req.put("commits", src.commits(from, head));
      }
    }
    if (sbom != null) {
      if (!Files.isRegularFile(sbom)) {
        throw new CliException("--sbom: no such file " + sbom);
      }
      req.put("sbom", Files.readString(sbom));
    }
    if (!tools.isEmpty()) {
      req.put("tools", tools);
    }
    Map<String, String> reports = tests == null ? null : TestReports.read(tests);
    Map<String, Object> up = c.uploadArtifact(file);
    req.put("digest", up.get("sha256"));
    Map<String, Object> a = c.registerArtifact(req);
    Map<String, Object> t = null;
    if (reports != null) {
      t = c.addTests((String) a.get("serial"), suite, reports);
    }
    if (json) {
      Map<String, Object> all = new LinkedHashMap<>(a);
      if (t != null) {
        all.put("testRun", t);
      }
      out.println(Json.pretty(all));
      return 0;
    }
    out.printf("%s %s of %s (%s)%n", Boolean.TRUE.equals(a.get("created")) ? "registered" : "already registered as",
        a.get("serial"), a.get("service"), a.get("filename"));
    out.printf("  digest as built  sha256:%s%n", a.get("digest"));
    out.printf("  stamped digest   sha256:%s  (what deploys)%n", a.get("stampedDigest"));
    if (req.get("commits") instanceof List<?> l) {
      out.printf("  commits          %d since the previous artifact%n", l.size());
    }
    if (t != null) {
      out.printf("  %s tests        %s run, %s failed, %s errors, %s skipped (run %s)%n", suite, t.get("tests"),
          t.get("failures"), t.get("errors"), t.get("skipped"), t.get("run"));
    }
    return 0;
  }
}
