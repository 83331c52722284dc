package dev.gantry.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Header rewriting between the hops: hop-by-hop headers out (RFC 9110 §7.6.1), forwarding headers
 * in, and the version a response came from.
 *
 * <p>Messages are rewritten in place: the decoded request is the one forwarded, so a request costs
 * no header copy.
 */
final class ForwardingHeaders {
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
  static final AsciiString X_GANTRY_VERSION = AsciiString.cached("x-gantry-version");
  static final AsciiString X_GANTRY_SERIAL = AsciiString.cached("x-gantry-serial");
  static final AsciiString X_GANTRY_PREVIEW = AsciiString.cached("x-gantry-preview");
  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private ForwardingHeaders() {}

  /**
   * Prepares a client's request for the backend: target rewritten, hop-by-hop headers removed,
   * {@code X-Forwarded-For} appended to, {@code X-Forwarded-Host}/{@code -Proto} and
   * {@code X-Request-Id} set. The request always goes out as HTTP/1.1 so the backend connection can
   * be kept alive whatever the client speaks.
   */
  static void prepareRequest(HttpRequest request, String uri, String clientAddress, String requestId) {
    HttpHeaders h = request.headers();
    String host = h.get(HttpHeaderNames.HOST);
    stripHopByHop(h);
    request.setUri(uri);
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    String forwardedFor = h.get(X_FORWARDED_FOR);
    h.set(X_FORWARDED_FOR, forwardedFor == null || forwardedFor.isBlank() ? clientAddress
        : forwardedFor + ", " + clientAddress);
    if (host != null) {
      // Overwritten, not appended: this router is the edge, and a client could forge the header.
      h.set(X_FORWARDED_HOST, host);
    }
    h.set(X_FORWARDED_PROTO, HTTP);
    h.set(X_REQUEST_ID, requestId);
  }

  /** Prepares a backend's response for the client: hop-by-hop headers out, version and request id in. */
  static void prepareResponse(HttpResponse response, VersionRoute version, String requestId) {
    HttpHeaders h = response.headers();
    stripHopByHop(h);
    h.set(X_GANTRY_VERSION, version.version());
    if (version.serial() != null) {
      h.set(X_GANTRY_SERIAL, version.serial());
    }
    if (!h.contains(X_REQUEST_ID)) {
      h.set(X_REQUEST_ID, requestId);
    }
  }

  /**
   * Removes Connection and the headers it names, Keep-Alive, Proxy-*, TE, Trailer and Upgrade.
   * Transfer-Encoding stays: the codecs decoded it and re-encode the body by it. Connection may not
   * name Content-Length, Transfer-Encoding or Host: dropping those would change how the next hop
   * frames or routes the message (a request-smuggling lever), so such tokens are ignored.
   */
  static void stripHopByHop(HttpHeaders h) {
    List<String> connection = h.getAll(HttpHeaderNames.CONNECTION);
    for (String value : connection) {
      for (String token : value.split(",")) {
        String name = token.trim();
        if (!name.isEmpty() && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
            && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
            && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)) {
          h.remove(name);
        }
      }
    }
    h.remove(HttpHeaderNames.CONNECTION);
    h.remove(HttpHeaderNames.KEEP_ALIVE);
    h.remove(HttpHeaderNames.TE);
    h.remove(HttpHeaderNames.TRAILER);
    h.remove(HttpHeaderNames.UPGRADE);
    h.remove(PROXY_CONNECTION);
    List<CharSequence> proxyHeaders = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      if (name.length() > 6 && AsciiString.regionMatches(name, true, 0, "proxy-", 0, 6)) {
        if (proxyHeaders == null) {
          proxyHeaders = new ArrayList<>(2);
        }
        proxyHeaders.add(name);
      }
    }
    if (proxyHeaders != null) {
      for (CharSequence name : proxyHeaders) {
        h.remove(name);
      }
    }
  }

  /** A new request id: 128 random bits as 32 hex digits (collisions are not a concern at 2^64 requests). */
  static String newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[32];
    long hi = random.nextLong();
    long lo = random.nextLong();
    for (int i = 0; i < 16; i++) {
      out[15 - i] = HEX[(int) (hi >>> (i * 4)) & 0xf];
      out[31 - i] = HEX[(int) (lo >>> (i * 4)) & 0xf];
    }
    return new String(out);
  }
}
