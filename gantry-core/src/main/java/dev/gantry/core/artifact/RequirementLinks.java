package dev.gantry.core.artifact;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds requirement ids in commit messages. Defaults: tracker keys such as {@code ABC-123} and issue
 * references such as {@code #123}; a team may configure its own patterns.
 */
public final class RequirementLinks {
  /** Jira-style keys (two or more capitals/digits, a dash, a number) and GitHub/GitLab issue numbers. */
  public static final List<String> DEFAULT_PATTERNS = List.of("\\b[A-Z][A-Z0-9]+-[0-9]+\\b", "(?<![\\w&])#[0-9]+\\b");

  private final List<Pattern> patterns;

  public RequirementLinks(List<String> patterns) {
    List<Pattern> p = new ArrayList<>();
    for (String s : patterns) {
      p.add(Pattern.compile(s));
    }
    this.patterns = List.copyOf(p);
  }

  public static RequirementLinks defaults() {
    return new RequirementLinks(DEFAULT_PATTERNS);
  }

  /** The ids in message, in order of first appearance, without duplicates. */
  public List<String> find(String message) {
    Set<String> out = new LinkedHashSet<>();
    for (Pattern p : patterns) {
      Matcher m = p.matcher(message);
      while (m.find()) {
        out.add(m.group());
      }
    }
    return List.copyOf(out);
  }
}
