package dev.gantry.core.artifact;

import dev.gantry.core.ledger.LedgerEvent.TestCase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Reads JUnit XML reports as Maven Surefire and Failsafe write them ({@code <testsuite>} or
 * {@code <testsuites>}). The parser refuses DOCTYPEs and external entities (no XXE, no entity
 * expansion bombs) and accepts reports of at most {@link #MAX_BYTES}.
 */
public final class JUnitReports {
  /** A surefire report of 50,000 test cases is about 10 MB; more than that is not a test report. */
  public static final int MAX_BYTES = 16 * 1024 * 1024;

  private JUnitReports() {}

  /** Totals and cases of one or more reports. */
  public record Result(long tests, long failures, long errors, long skipped, List<TestCase> cases) {}

  /** Parses reports (name → bytes); the message names the report and what is wrong with it. */
  public static Result parse(Map<String, byte[]> reports) {
    List<TestCase> cases = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (Map.Entry<String, byte[]> r : reports.entrySet()) {
      if (r.getValue().length > MAX_BYTES) {
        throw new IllegalArgumentException(r.getKey() + ": " + r.getValue().length + " bytes (limit " + MAX_BYTES + ")");
      }
      Document doc;
      try {
        doc = builder().parse(new ByteArrayInputStream(r.getValue()));
      } catch (SAXException | IOException e) {
        throw new IllegalArgumentException(r.getKey() + ": not a JUnit XML report: " + e.getMessage());
      }
      Element root = doc.getDocumentElement();
      if (!root.getTagName().equals("testsuite") && !root.getTagName().equals("testsuites")) {
        throw new IllegalArgumentException(r.getKey() + ": root element is <" + root.getTagName()
            + "> (expected: <testsuite> or <testsuites>)");
      }
      NodeList list = root.getElementsByTagName("testcase");
      for (int i = 0; i < list.getLength(); i++) {
        Element tc = (Element) list.item(i);
        String name = tc.getAttribute("classname") + "#" + tc.getAttribute("name");
        int n = seen.merge(name, 1, Integer::sum);
        if (n > 1) {
          name = name + " [" + n + "]"; // repeated display names (parameterised tests) stay distinct
        }
        cases.add(new TestCase(name, status(tc), millis(tc.getAttribute("time")), message(tc)));
      }
    }
    long failures = cases.stream().filter(c -> c.status().equals("failed")).count();
    long errors = cases.stream().filter(c -> c.status().equals("error")).count();
    long skipped = cases.stream().filter(c -> c.status().equals("skipped")).count();
    return new Result(cases.size(), failures, errors, skipped, cases);
  }

  private static String status(Element tc) {
    for (Node n = tc.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        switch (e.getTagName()) {
          case "failure":
            return "failed";
          case "error":
            return "error";
          case "skipped":
            return "skipped";
          default:
            break;
        }
      }
    }
    return "passed";
  }

  private static String message(Element tc) {
    for (Node n = tc.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && (e.getTagName().equals("failure") || e.getTagName().equals("error")
          || e.getTagName().equals("skipped"))) {
        String m = e.getAttribute("message");
        if (m.isEmpty()) {
          m = e.getAttribute("type");
        }
        return m.length() > 500 ? m.substring(0, 500) : m;
      }
    }
    return null;
  }

  private static long millis(String seconds) {
    if (seconds == null || seconds.isBlank()) {
      return 0;
    }
    try {
      return Math.round(Double.parseDouble(seconds.replace(",", "")) * 1000);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static DocumentBuilder builder() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      f.setNamespaceAware(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      return b;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser lacks a safety feature", e);
    }
  }
}
