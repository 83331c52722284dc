package dev.gantry.router;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
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
  /** RFC 9745 and RFC 8594: on responses of a version scheduled to retire. */
  static final AsciiString DEPRECATION = AsciiString.cached("deprecation");
  static final AsciiString SUNSET = AsciiString.cached("sunset");
  static final AsciiString LINK = AsciiString.cached("link");
  private static final AsciiString HTTP = AsciiString.cached("http");

  /**
   * Header name validation for the codecs' headers: Netty's token check for every name, except the
   * router's own constant names above, recognized by identity. A decoded request's names must be
   * checked (the request decoder leaves that to the headers); re-checking our constants character by
   * character on every request cost a few percent of a request's CPU.
   */
  static final DefaultHeaders.NameValidator<CharSequence> NAME_VALIDATOR = new DefaultHeaders.NameValidator<>() {
    private final DefaultHeaders.NameValidator<CharSequence> standard =
        DefaultHttpHeadersFactory.headersFactory().getNameValidator();

    @Override
    public void validateName(CharSequence name) {
      if (name != X_FORWARDED_FOR && name != X_FORWARDED_HOST && name != X_FORWARDED_PROTO && name != X_REQUEST_ID
          && name != X_GANTRY_VERSION && name != X_GANTRY_SERIAL) {
        standard.validateName(name);
      }
    }
  };

  /** Headers as the codecs make them: validated names (see {@link #NAME_VALIDATOR}) and values. */
  static final DefaultHttpHeadersFactory HEADERS_FACTORY =
      DefaultHttpHeadersFactory.headersFactory().withNameValidator(NAME_VALIDATOR);
  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** Bits returned by {@link #stripHopByHop}: which keep-alive tokens the Connection header had. */
  static final int CONNECTION_CLOSE = 1;
  static final int CONNECTION_KEEP_ALIVE = 2;
  /**
   * Bits returned by {@link #stripHopByHop}: which of the router's own headers the message may
   * already carry. Absent ones are added without the removal scan a {@code set} does; present ones
   * (maybe since removed as hop-by-hop, which a {@code set} handles too) are replaced.
   */
  static final int HAS_X_FORWARDED_FOR = 1 << 2;
  static final int HAS_X_FORWARDED_HOST = 1 << 3;
  static final int HAS_X_FORWARDED_PROTO = 1 << 4;
  static final int HAS_X_REQUEST_ID = 1 << 5;
  static final int HAS_X_GANTRY_VERSION = 1 << 6;
  static final int HAS_X_GANTRY_SERIAL = 1 << 7;

  private ForwardingHeaders() {}

  /**
   * Prepares a client's request for the backend: target rewritten, hop-by-hop headers removed,
   * {@code X-Forwarded-For} appended to, {@code X-Forwarded-Host}/{@code -Proto} and
   * {@code X-Request-Id} set. The request always goes out as HTTP/1.1 so the backend connection can
   * be kept alive whatever the client speaks.
   *
   * @param host the request's {@code Host} header (already read for routing), or null
   * @param requestIdIsIncoming the id is the request's own {@code X-Request-Id}, which then stays as is
   */
  static void prepareRequest(HttpRequest request, String uri, String host, CharSequence clientAddress,
      CharSequence requestId, boolean requestIdIsIncoming) {
    HttpHeaders h = request.headers();
    int seen = stripHopByHop(h);
    request.setUri(uri);
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    List<String> forwardedFor = (seen & HAS_X_FORWARDED_FOR) == 0 ? List.of() : h.getAll(X_FORWARDED_FOR);
    if (forwardedFor.isEmpty()) {
      h.add(X_FORWARDED_FOR, clientAddress);
    } else {
      h.set(X_FORWARDED_FOR, String.join(", ", forwardedFor) + ", " + clientAddress);
    }
    if (host != null) {
      // Overwritten, not appended: this router is the edge, and a client could forge the header.
      put(h, X_FORWARDED_HOST, host, seen & HAS_X_FORWARDED_HOST);
    }
    put(h, X_FORWARDED_PROTO, HTTP, seen & HAS_X_FORWARDED_PROTO);
    if (!requestIdIsIncoming) {
      put(h, X_REQUEST_ID, requestId, seen & HAS_X_REQUEST_ID);
    }
  }

  private static void put(HttpHeaders h, AsciiString name, CharSequence value, int present) {
    if (present != 0) {
      h.set(name, value);
    } else {
      h.add(name, value);
    }
  }

  /**
   * Prepares a backend's response for the client: hop-by-hop headers out, version and request id in.
   *
   * @return whether the backend keeps the connection open after this response
   */
  static boolean prepareResponse(HttpResponse response, VersionRoute version, CharSequence requestId) {
    HttpHeaders h = response.headers();
    int seen = stripHopByHop(h);
    put(h, X_GANTRY_VERSION, version.versionHeader(), seen & HAS_X_GANTRY_VERSION);
    if (version.serialHeader() != null) {
      put(h, X_GANTRY_SERIAL, version.serialHeader(), seen & HAS_X_GANTRY_SERIAL);
    } else if ((seen & HAS_X_GANTRY_SERIAL) != 0) {
      h.remove(X_GANTRY_SERIAL); // only the router names serials
    }
    if ((seen & HAS_X_REQUEST_ID) == 0 || !h.contains(X_REQUEST_ID)) {
      h.add(X_REQUEST_ID, requestId);
    }
    if (version.deprecationHeader() != null) {
      h.set(DEPRECATION, version.deprecationHeader());
      h.set(SUNSET, version.sunsetHeader());
      if (version.linkHeader() != null) {
        h.add(LINK, version.linkHeader());
      }
    }
    return keepAlive(response.protocolVersion(), seen);
  }

  /**
   * Removes Connection and the headers it names, Keep-Alive, Proxy-*, TE, Trailer and Upgrade.
   * Transfer-Encoding stays: the codecs decoded it and re-encode the body by it. Connection may not
   * name Content-Length, Transfer-Encoding or Host: dropping those would change how the next hop
   * frames or routes the message (a request-smuggling lever), so such tokens are ignored.
   *
   * <p>One pass over the headers, and removals only for what is there: most messages carry at most
   * a Connection header, and this runs twice per request.
   *
   * @return {@code CONNECTION_*} bits for the keep-alive tokens seen, {@code HAS_*} bits for the
   *     router's own headers seen
   */
  static int stripHopByHop(HttpHeaders h) {
    List<CharSequence> remove = null;
    int connectionTokens = 0;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      int own = ownHeader(name);
      if (own != 0) {
        connectionTokens |= own;
        continue;
      }
      if (!isHopByHop(name)) {
        continue;
      }
      if (remove == null) {
        remove = new ArrayList<>(4);
      }
      remove.add(name);
      if (HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(name)) {
        connectionTokens |= addConnectionTokens(e.getValue(), remove);
      }
    }
    if (remove != null) {
      for (CharSequence name : remove) {
        h.remove(name);
      }
    }
    return connectionTokens;
  }

  /**
   * Whether a message keeps its connection open, from the tokens {@link #stripHopByHop} found in
   * its Connection header (the same rule as Netty's {@code HttpUtil.isKeepAlive}, without another
   * pass over the headers).
   */
  static boolean keepAlive(HttpVersion version, int connectionTokens) {
    return (connectionTokens & CONNECTION_CLOSE) == 0
        && (version.isKeepAliveDefault() || (connectionTokens & CONNECTION_KEEP_ALIVE) != 0);
  }

  /** The {@code HAS_*} bit of one of the router's own headers, or 0. */
  private static int ownHeader(CharSequence name) {
    return switch (name.length()) {
      case 12 -> X_REQUEST_ID.contentEqualsIgnoreCase(name) ? HAS_X_REQUEST_ID : 0;
      case 15 -> X_FORWARDED_FOR.contentEqualsIgnoreCase(name) ? HAS_X_FORWARDED_FOR
          : X_GANTRY_SERIAL.contentEqualsIgnoreCase(name) ? HAS_X_GANTRY_SERIAL : 0;
      case 16 -> X_FORWARDED_HOST.contentEqualsIgnoreCase(name) ? HAS_X_FORWARDED_HOST
          : X_GANTRY_VERSION.contentEqualsIgnoreCase(name) ? HAS_X_GANTRY_VERSION : 0;
      case 17 -> X_FORWARDED_PROTO.contentEqualsIgnoreCase(name) ? HAS_X_FORWARDED_PROTO : 0;
      default -> 0;
    };
  }

  private static boolean isHopByHop(CharSequence name) {
    return switch (name.length()) {
      case 2 -> HttpHeaderNames.TE.contentEqualsIgnoreCase(name);
      case 7 -> HttpHeaderNames.TRAILER.contentEqualsIgnoreCase(name)
          || HttpHeaderNames.UPGRADE.contentEqualsIgnoreCase(name);
      case 10 -> HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(name)
          || HttpHeaderNames.KEEP_ALIVE.contentEqualsIgnoreCase(name)
          || AsciiString.regionMatches(name, true, 0, "proxy-", 0, 6);
      default -> name.length() > 6 && AsciiString.regionMatches(name, true, 0, "proxy-", 0, 6);
    };
  }

  private static int addConnectionTokens(CharSequence value, List<CharSequence> out) {
    int seen = 0;
    int start = 0;
    int n = value.length();
    while (start < n) {
      int comma = start;
      while (comma < n && value.charAt(comma) != ',') {
        comma++;
      }
      int a = start;
      int b = comma;
      while (a < b && value.charAt(a) <= ' ') {
        a++;
      }
      while (b > a && value.charAt(b - 1) <= ' ') {
        b--;
      }
      if (b > a) {
        CharSequence token = value.subSequence(a, b);
        if (HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(token)) {
          seen |= CONNECTION_CLOSE;
        } else if (HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(token)) {
          seen |= CONNECTION_KEEP_ALIVE;
        } else if (!HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(token)
            && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(token)
            && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(token)) {
          out.add(token);
        }
      }
      start = comma + 1;
    }
    return seen;
  }

  /**
   * A new request id: 128 random bits as 32 hex digits (collisions are not a concern at 2^64
   * requests). An {@code AsciiString} over its own bytes: the encoder copies it as one array.
   */
  static AsciiString newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] out = new byte[32];
    long hi = random.nextLong();
    long lo = random.nextLong();
    for (int i = 0; i < 16; i++) {
      out[15 - i] = HEX[(int) (hi >>> (i * 4)) & 0xf];
      out[31 - i] = HEX[(int) (lo >>> (i * 4)) & 0xf];
    }
    return new AsciiString(out, false);
  }
}
