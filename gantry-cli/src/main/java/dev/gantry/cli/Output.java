package dev.gantry.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Plain aligned tables for people; {@code --json} elsewhere gives the raw API answer. */
public final class Output {
  private Output() {}

  /** Prints rows of maps as a table with the given columns (header in upper case). */
  public static void table(PrintWriter out, List<?> rows, String... columns) {
    List<String[]> cells = new ArrayList<>();
    String[] header = new String[columns.length];
    for (int i = 0; i < columns.length; i++) {
      header[i] = columns[i].toUpperCase();
    }
    cells.add(header);
    for (Object r : rows) {
      Map<?, ?> m = (Map<?, ?>) r;
      String[] line = new String[columns.length];
      for (int i = 0; i < columns.length; i++) {
        line[i] = text(m.get(columns[i]));
      }
      cells.add(line);
    }
    int[] width = new int[columns.length];
    for (String[] line : cells) {
      for (int i = 0; i < line.length; i++) {
        width[i] = Math.max(width[i], line[i].length());
      }
    }
    for (String[] line : cells) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < line.length; i++) {
        b.append(line[i]);
        if (i < line.length - 1) {
          b.append(" ".repeat(width[i] - line[i].length() + 2));
        }
      }
      out.println(b.toString().stripTrailing());
    }
    out.flush();
  }

  public static String text(Object v) {
    if (v == null) {
      return "-";
    }
    if (v instanceof List<?> l) {
      return l.isEmpty() ? "-" : String.join(",", l.stream().map(String::valueOf).toList());
    }
    return String.valueOf(v);
  }
}
