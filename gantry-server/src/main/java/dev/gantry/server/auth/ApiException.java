package dev.gantry.server.auth;

/** A request refused with an HTTP status, a stable code and a sentence for the user. */
public class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final java.util.Map<String, Object> extensions;

  public ApiException(int status, String code, String message) {
    this(status, code, message, java.util.Map.of());
  }

  /** With extension members for the problem document (RFC 9457 section 3.2), e.g. the failed policy rules. */
  public ApiException(int status, String code, String message, java.util.Map<String, Object> extensions) {
    super(message);
    this.status = status;
    this.code = code;
    this.extensions = java.util.Map.copyOf(extensions);
  }

  public java.util.Map<String, Object> extensions() {
    return extensions;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public static ApiException forbidden(String message) {
    return new ApiException(403, "forbidden", message);
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, "bad-request", message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, "not-found", message);
  }
}
