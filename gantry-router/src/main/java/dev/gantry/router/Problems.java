package dev.gantry.router;

import dev.gantry.core.json.Json;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The router's own answers, as RFC 9457 problem details in the shape the server uses: {@code type}
 * names the problem, {@code code} is its stable short form, {@code detail} is a sentence to act on.
 */
final class Problems {
  static final String TYPE_BASE = "https://gantry.dev/problems/";
  static final AsciiString PROBLEM_JSON = AsciiString.cached("application/problem+json");

  /** No service matches the request's host or path. */
  static final String ROUTE_NOT_FOUND = "route-not-found";
  /** The service has no version (or no instance) for this request. */
  static final String VERSION_UNAVAILABLE = "version-unavailable";
  /** The request names a retired version (410; the detail names the successor). */
  static final String VERSION_RETIRED = "version-retired";
  /** The request names, by header, a version the service does not have. */
  static final String VERSION_NOT_FOUND = "version-not-found";
  /** No connection to the backend (refused, unreachable, reset before a response). */
  static final String BACKEND_UNREACHABLE = "backend-unreachable";
  /** The backend did not accept the connection, or did not answer, in time. */
  static final String BACKEND_TIMEOUT = "backend-timeout";
  /** The request could not be parsed. */
  static final String BAD_REQUEST = "bad-request";

  private Problems() {}

  static FullHttpResponse response(HttpVersion version, HttpResponseStatus status, String code, String detail,
      String instance, CharSequence requestId) {
    return response(version, status, code, detail, instance, requestId, Map.of());
  }

  /** As above, with extension members (RFC 9457 §3.2) for tools: a retired version's {@code successor}. */
  static FullHttpResponse response(HttpVersion version, HttpResponseStatus status, String code, String detail,
      String instance, CharSequence requestId, Map<String, Object> extensions) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", TYPE_BASE + code);
    body.put("title", status.reasonPhrase());
    body.put("status", (long) status.code());
    body.put("detail", detail);
    if (instance != null) {
      body.put("instance", instance);
    }
    body.put("code", code);
    body.putAll(extensions);
    byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(version, status, Unpooled.wrappedBuffer(bytes));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, PROBLEM_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    if (requestId != null) {
      response.headers().set(ForwardingHeaders.X_REQUEST_ID, requestId);
    }
    return response;
  }
}
