package dev.gantry.server.auth;

/** A request refused with an HTTP status, a stable code and a sentence for the user. */
public class ApiException extends RuntimeException {
  private final int status;
  private final String code;

  public ApiException(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code;
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
