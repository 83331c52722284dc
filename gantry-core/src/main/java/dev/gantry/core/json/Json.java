package dev.gantry.core.json;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON as plain Java values: {@code Map<String,Object>} (objects), {@code List<Object>} (arrays),
 * {@code String}, {@code Long} (integers), {@code BigDecimal} (other numbers), {@code Boolean} and
 * {@code null}.
 *
 * <p>{@link #canonical(Object)} is the encoding the ledger hashes. It follows RFC 8785 (JCS) for the
 * values Gantry puts in events: object members sorted by UTF-16 code units, no whitespace, strings
 * escaped exactly as ECMAScript's {@code JSON.stringify} does. Numbers are restricted to integers in
 * the IEEE-754 exact range (|n| <= 2^53 - 1), where JCS's number rule reduces to plain decimal
 * digits; any other number is refused, so the same event always gives the same bytes.
 *
 * <p>The parser is strict RFC 8259: no comments, no trailing commas, no duplicate member names, no
 * leading zeros, a bounded nesting depth, and nothing after the value but whitespace.
 */
public final class Json {
  /** Nesting deeper than this is refused: no legitimate Gantry document comes close. */
  public static final int MAX_DEPTH = 64;

  /** Largest integer that survives a round trip through an IEEE-754 double (2^53 - 1). */
  public static final long MAX_SAFE_INTEGER = 9_007_199_254_740_991L;

  private Json() {}

  // ---------------------------------------------------------------- writing

  /** Canonical bytes (UTF-8) of a value; see the class comment for the rule. */
  public static byte[] canonicalBytes(Object value) {
    return canonical(value).getBytes(StandardCharsets.UTF_8);
  }

  /** Canonical text of a value; see the class comment for the rule. */
  public static String canonical(Object value) {
    StringBuilder out = new StringBuilder(128);
    writeCanonical(out, value, 0);
    return out.toString();
  }

  /** Compact (not necessarily canonical) text; objects keep their insertion order. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder(128);
    write(out, value, 0, false, 0);
    return out.toString();
  }

  /** Indented text for people. */
  public static String pretty(Object value) {
    StringBuilder out = new StringBuilder(256);
    write(out, value, 0, true, 0);
    return out.toString();
  }

  private static void writeCanonical(StringBuilder out, Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new JsonException("nesting deeper than " + MAX_DEPTH);
    }
    switch (value) {
      case null -> out.append("null");
      case String s -> quote(out, s);
      case Boolean b -> out.append(b ? "true" : "false");
      case Long l -> out.append(checkedInteger(l));
      case Integer i -> out.append(i.longValue());
      case Short s -> out.append(s.longValue());
      case BigDecimal d -> out.append(checkedInteger(integerValue(d)));
      case Map<?, ?> m -> {
        TreeMap<String, Object> sorted = new TreeMap<>(); // String order = UTF-16 code unit order, as JCS wants
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!(e.getKey() instanceof String k)) {
            throw new JsonException("object key is not a string: " + e.getKey());
          }
          sorted.put(k, e.getValue());
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          quote(out, e.getKey());
          out.append(':');
          writeCanonical(out, e.getValue(), depth + 1);
        }
        out.append('}');
      }
      case List<?> list -> {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          writeCanonical(out, list.get(i), depth + 1);
        }
        out.append(']');
      }
      default -> throw new JsonException(
          "value of type " + value.getClass().getSimpleName() + " has no canonical JSON form");
    }
  }

  private static long integerValue(BigDecimal d) {
    try {
      return d.longValueExact();
    } catch (ArithmeticException e) {
      throw new JsonException("number " + d.toPlainString() + " is not an integer (canonical JSON allows integers only)");
    }
  }

  private static long checkedInteger(long l) {
    if (l > MAX_SAFE_INTEGER || l < -MAX_SAFE_INTEGER) {
      throw new JsonException("integer " + l + " is outside +-(2^53-1) (canonical JSON range)");
    }
    return l;
  }

  private static void write(StringBuilder out, Object value, int depth, boolean pretty, int indent) {
    if (depth > MAX_DEPTH) {
      throw new JsonException("nesting deeper than " + MAX_DEPTH);
    }
    switch (value) {
      case null -> out.append("null");
      case String s -> quote(out, s);
      case Boolean b -> out.append(b ? "true" : "false");
      case Number n when n instanceof BigDecimal d -> out.append(d.toString());
      case Number n -> out.append(n.toString());
      case Map<?, ?> m -> {
        if (m.isEmpty()) {
          out.append("{}");
          return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          newline(out, pretty, indent + 1);
          quote(out, String.valueOf(e.getKey()));
          out.append(pretty ? ": " : ":");
          write(out, e.getValue(), depth + 1, pretty, indent + 1);
        }
        newline(out, pretty, indent);
        out.append('}');
      }
      case List<?> list -> {
        if (list.isEmpty()) {
          out.append("[]");
          return;
        }
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          newline(out, pretty, indent + 1);
          write(out, list.get(i), depth + 1, pretty, indent + 1);
        }
        newline(out, pretty, indent);
        out.append(']');
      }
      default -> quote(out, value.toString());
    }
  }

  private static void newline(StringBuilder out, boolean pretty, int indent) {
    if (pretty) {
      out.append('\n');
      out.append("  ".repeat(indent));
    }
  }

  /** Quotes a string as ECMAScript JSON.stringify does (the JCS rule). */
  static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else if (Character.isSurrogate(c)) {
            // A lone surrogate cannot be encoded as UTF-8; refusing keeps "same value, same bytes".
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
              out.append(c).append(s.charAt(++i));
            } else {
              throw new JsonException("string contains a lone surrogate at index " + i);
            }
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  // ---------------------------------------------------------------- reading

  /** Parses one JSON text strictly. Objects come back as insertion-ordered, unmodifiable maps. */
  public static Object parse(String text) {
    Parser p = new Parser(text);
    p.skipWhitespace();
    Object v = p.value(0);
    p.skipWhitespace();
    if (p.pos != text.length()) {
      throw p.error("unexpected text after the JSON value");
    }
    return v;
  }

  /** Parses a JSON object; anything else is refused. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map)) {
      throw new JsonException("expected a JSON object");
    }
    return (Map<String, Object>) v;
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    JsonException error(String what) {
      return new JsonException(what + " at offset " + pos);
    }

    void skipWhitespace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          pos++;
        } else {
          break;
        }
      }
    }

    Object value(int depth) {
      if (depth > MAX_DEPTH) {
        throw error("nesting deeper than " + MAX_DEPTH);
      }
      if (pos >= s.length()) {
        throw error("unexpected end of input");
      }
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> object(depth);
        case '[' -> array(depth);
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw error("unexpected character '" + c + "'");
        }
      };
    }

    Object literal(String word, Object v) {
      if (!s.startsWith(word, pos)) {
        throw error("invalid literal");
      }
      pos += word.length();
      return v;
    }

    Map<String, Object> object(int depth) {
      pos++; // {
      LinkedHashMap<String, Object> map = new LinkedHashMap<>();
      skipWhitespace();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return Collections.unmodifiableMap(map);
      }
      while (true) {
        skipWhitespace();
        if (pos >= s.length() || s.charAt(pos) != '"') {
          throw error("expected a member name");
        }
        String key = string();
        skipWhitespace();
        expect(':');
        skipWhitespace();
        Object v = value(depth + 1);
        if (map.containsKey(key)) {
          throw error("duplicate member name \"" + key + "\"");
        }
        map.put(key, v);
        skipWhitespace();
        if (pos >= s.length()) {
          throw error("unterminated object");
        }
        char c = s.charAt(pos++);
        if (c == '}') {
          return Collections.unmodifiableMap(map);
        }
        if (c != ',') {
          pos--;
          throw error("expected ',' or '}'");
        }
      }
    }

    List<Object> array(int depth) {
      pos++; // [
      ArrayList<Object> list = new ArrayList<>();
      skipWhitespace();
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return Collections.unmodifiableList(list);
      }
      while (true) {
        skipWhitespace();
        list.add(value(depth + 1));
        skipWhitespace();
        if (pos >= s.length()) {
          throw error("unterminated array");
        }
        char c = s.charAt(pos++);
        if (c == ']') {
          return Collections.unmodifiableList(list);
        }
        if (c != ',') {
          pos--;
          throw error("expected ',' or ']'");
        }
      }
    }

    void expect(char c) {
      if (pos >= s.length() || s.charAt(pos) != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    String string() {
      pos++; // opening quote
      int start = pos;
      // Fast path: no escapes.
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == '"') {
          return s.substring(start, pos++);
        }
        if (c == '\\' || c < 0x20) {
          break;
        }
        pos++;
      }
      StringBuilder b = new StringBuilder(s.substring(start, pos));
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return b.toString();
        }
        if (c < 0x20) {
          pos--;
          throw error("unescaped control character in string");
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("unterminated escape");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"' -> b.append('"');
          case '\\' -> b.append('\\');
          case '/' -> b.append('/');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("short \\u escape");
            }
            int cp = 0;
            for (int i = 0; i < 4; i++) {
              int d = Character.digit(s.charAt(pos + i), 16);
              if (d < 0) {
                throw error("bad hex digit in \\u escape");
              }
              cp = cp * 16 + d;
            }
            pos += 4;
            b.append((char) cp);
          }
          default -> {
            pos--;
            throw error("invalid escape '\\" + e + "'");
          }
        }
      }
    }

    Object number() {
      int start = pos;
      if (s.charAt(pos) == '-') {
        pos++;
      }
      if (pos >= s.length()) {
        throw error("truncated number");
      }
      if (s.charAt(pos) == '0') {
        pos++;
        if (pos < s.length() && Character.isDigit(s.charAt(pos))) {
          throw error("leading zero in number");
        }
      } else {
        digits();
      }
      boolean integer = true;
      if (pos < s.length() && s.charAt(pos) == '.') {
        integer = false;
        pos++;
        digits();
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        integer = false;
        pos++;
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
          pos++;
        }
        digits();
      }
      String text = s.substring(start, pos);
      if (integer && text.length() < 19) {
        return Long.parseLong(text);
      }
      BigDecimal d = new BigDecimal(text);
      if (integer) {
        try {
          return d.longValueExact();
        } catch (ArithmeticException e) {
          return d;
        }
      }
      return d;
    }

    void digits() {
      int start = pos;
      while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
        pos++;
      }
      if (pos == start) {
        throw error("expected a digit");
      }
    }
  }

  // ---------------------------------------------------------------- access helpers

  /** A required string member; the message names the member when it is missing or of another type. */
  public static String string(Map<String, ?> obj, String name) {
    Object v = obj.get(name);
    if (!(v instanceof String s)) {
      throw new JsonException("\"" + name + "\": expected a string, got " + describe(v));
    }
    return s;
  }

  /** An optional string member, or null. */
  public static String optString(Map<String, ?> obj, String name) {
    Object v = obj.get(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new JsonException("\"" + name + "\": expected a string, got " + describe(v));
    }
    return s;
  }

  /** A string member, or null when it is absent or not a string (for lenient reading of foreign documents). */
  public static String optStringOrNull(Map<String, ?> obj, String name) {
    return obj.get(name) instanceof String s ? s : null;
  }

  /** A required integer member. */
  public static long integer(Map<String, ?> obj, String name) {
    Object v = obj.get(name);
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof Integer i) {
      return i;
    }
    throw new JsonException("\"" + name + "\": expected an integer, got " + describe(v));
  }

  /** A required list of strings. */
  public static List<String> strings(Map<String, ?> obj, String name) {
    Object v = obj.get(name);
    if (!(v instanceof List<?> list)) {
      throw new JsonException("\"" + name + "\": expected an array of strings, got " + describe(v));
    }
    List<String> out = new ArrayList<>(list.size());
    for (Iterator<?> it = list.iterator(); it.hasNext(); ) {
      Object o = it.next();
      if (!(o instanceof String s)) {
        throw new JsonException("\"" + name + "\": expected an array of strings, found " + describe(o));
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** A required object member. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Map<String, ?> obj, String name) {
    Object v = obj.get(name);
    if (!(v instanceof Map)) {
      throw new JsonException("\"" + name + "\": expected an object, got " + describe(v));
    }
    return (Map<String, Object>) v;
  }

  static String describe(Object v) {
    return switch (v) {
      case null -> "nothing";
      case String s -> "a string";
      case Boolean b -> "a boolean";
      case Number n -> "a number";
      case Map<?, ?> m -> "an object";
      case List<?> l -> "an array";
      default -> v.getClass().getSimpleName();
    };
  }
}
