package dev.gantry.core.policy;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Custom rules: CEL expressions ({@code dev.cel}) over the release context, type-checked to return a
 * bool. Compiled programs are cached by expression text; CEL programs are side-effect free and
 * terminate (no loops beyond bounded macros), which is why CEL is the language and not a script.
 */
public final class CelRules {
  private static final Cel CEL = CelFactory.standardCelBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS) // has(), all(), exists(), exists_one(), map(), filter()
      .addVar("artifact", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .addVar("tests", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .addVar("commits", ListType.create(SimpleType.DYN))
      .addVar("approvals", ListType.create(SimpleType.DYN))
      .addVar("deployments", ListType.create(SimpleType.DYN))
      .addVar("environment", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .addVar("time", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .setResultType(SimpleType.BOOL)
      .build();

  /** Longest expression accepted; policy rules are one-liners, and the cap bounds the compile cost. */
  static final int MAX_LENGTH = 2000;

  private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

  private CelRules() {}

  /** Null when expression compiles to a bool over the documented variables; otherwise the first problem. */
  public static String check(String expression) {
    try {
      program(expression);
      checkMembers(CEL.compile(expression).getAst());
      return null;
    } catch (CelValidationException e) {
      return firstLine(e.getMessage());
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** Null when expression compiles to a bool over the variables (members unchecked: a stored definition). */
  public static String compiles(String expression) {
    try {
      program(expression);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** Evaluates expression against vars; throws IllegalArgumentException naming what went wrong. */
  public static boolean evaluate(String expression, Map<String, Object> vars) {
    CelRuntime.Program p = program(expression);
    try {
      Object r = p.eval(vars);
      if (!(r instanceof Boolean b)) {
        throw new IllegalArgumentException("evaluated to " + r + " (expected a bool)");
      }
      return b;
    } catch (CelEvaluationException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  private static CelRuntime.Program program(String expression) {
    if (expression.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(expression.length() + " characters (expected at most " + MAX_LENGTH + ")");
    }
    CelRuntime.Program cached = PROGRAMS.get(expression);
    if (cached != null) {
      return cached;
    }
    try {
      CelValidationResult r = CEL.compile(expression);
      CelAbstractSyntaxTree ast = r.getAst();
      CelRuntime.Program p = CEL.createProgram(ast);
      if (PROGRAMS.size() < 10_000) { // a bound, in case definitions churn
        PROGRAMS.put(expression, p);
      }
      return p;
    } catch (CelValidationException e) {
      throw new IllegalArgumentException(firstLine(e.getMessage()));
    } catch (CelEvaluationException e) {
      throw new IllegalArgumentException(firstLine(e.getMessage()));
    }
  }

  /**
   * The members of the context's fixed-shape maps (kept in step with {@link ReleaseContext#celVariables}).
   * The variables are declared as maps of dyn, so the type checker accepts any member; without this check a
   * misspelt {@code artifact.brnach} would pass when the environment is applied and then fail every deploy.
   */
  static final Map<String, Set<String>> MEMBERS = Map.of(
      "artifact", Set.of("serial", "service", "digest", "builtDigest", "filename", "size", "registeredBy",
          "registeredAt", "repo", "commit", "branch", "dirty", "sbom", "components", "provenance"),
      "artifact.provenance", Set.of("present", "verified"),
      "environment", Set.of("name", "requires"),
      "time", Set.of("iso", "epochSeconds", "date", "hour", "minute", "weekday"));

  private static void checkMembers(CelAbstractSyntaxTree ast) {
    CelNavigableAst.fromAst(ast).getRoot().allNodes().map(n -> n.expr())
        .filter(x -> x.getKind() == CelExpr.ExprKind.Kind.SELECT)
        .forEach(x -> {
          String path = path(x.select().operand());
          Set<String> known = path == null ? null : MEMBERS.get(path);
          if (known != null && !known.contains(x.select().field())) {
            throw new IllegalArgumentException("no member '" + x.select().field() + "' in " + path + " (it has: "
                + String.join(", ", new java.util.TreeSet<>(known)) + ")");
          }
        });
  }

  /** "artifact" or "artifact.provenance" for those operands, else null. */
  private static String path(CelExpr x) {
    if (x.getKind() == CelExpr.ExprKind.Kind.IDENT) {
      return x.ident().name();
    }
    if (x.getKind() == CelExpr.ExprKind.Kind.SELECT) {
      String p = path(x.select().operand());
      return p == null ? null : p + "." + x.select().field();
    }
    return null;
  }

  private static String firstLine(String s) {
    return s == null ? "invalid expression" : s.lines().findFirst().orElse(s).replaceFirst("^ERROR: <input>:", "at ");
  }
}
