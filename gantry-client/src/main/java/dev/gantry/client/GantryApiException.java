package dev.gantry.client;

import java.util.Map;

/** The server answered with an RFC 9457 problem (or an unexpected status); the message is its detail. */
public final class GantryApiException extends RuntimeException {
  private final int status;
  private final Map<String, Object> problem;

  public GantryApiException(int status, Map<String, Object> problem, String message) {
    super(message);
    this.status = status;
    this.problem = problem;
  }

  public int status() {
    return status;
  }

  /** The problem document's members (type, title, status, detail, code...). */
  public Map<String, Object> problem() {
    return problem;
  }
}
