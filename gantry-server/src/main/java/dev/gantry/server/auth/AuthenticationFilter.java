package dev.gantry.server.auth;

import dev.gantry.core.account.Role;
import dev.gantry.server.system.GantryProperties;
import dev.gantry.server.system.Problems;
import dev.gantry.store.Projections;
import dev.gantry.store.Projections.Credential;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates every request except health checks: {@code Authorization: Bearer gty_...}. Then caps
 * the request body at {@code gantry.max-request-bytes}: a declared length over the cap is refused at
 * once, a chunked body is cut off when it passes the cap. Refusals are answered as problem details
 * and recorded in the ledger.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class AuthenticationFilter extends OncePerRequestFilter {
  private final Projections projections;
  private final RefusalRecorder refusals;
  private final Clock clock;
  private final GantryProperties props;

  AuthenticationFilter(Projections projections, RefusalRecorder refusals, Clock clock, GantryProperties props) {
    this.projections = projections;
    this.refusals = refusals;
    this.clock = clock;
    this.props = props;
  }

  /** Artifact uploads and document-carrying requests get larger caps than plain JSON calls. */
  long limitFor(String method, String path) {
    if (path.equals("/api/v1/artifacts/uploads")) {
      return props.maxArtifactBytes();
    }
    if (method.equals("POST") && (path.equals("/api/v1/artifacts") || path.matches("/api/v1/artifacts/[^/]+/tests"))) {
      return props.maxDocumentBytes();
    }
    return props.maxRequestBytes();
  }

  static boolean open(String path) {
    return path.equals("/api/v1/health") || path.equals("/actuator/health") || path.startsWith("/actuator/health/");
  }

  @Override
  protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws ServletException, IOException {
    String path = req.getRequestURI();
    if (open(path)) {
      chain.doFilter(req, res);
      return;
    }
    String header = req.getHeader("Authorization");
    Principal principal;
    try {
      principal = authenticate(header);
    } catch (KnownTokenRefused e) {
      refusals.record(e.account, req.getMethod(), path, e.status(), e.getMessage());
      res.setHeader("WWW-Authenticate", "Bearer realm=\"gantry\"");
      Problems.write(res, e.status(), e.code(), e.getMessage(), path);
      return;
    } catch (ApiException e) {
      refusals.record(Principal.ANONYMOUS, req.getMethod(), path, e.status(), e.getMessage());
      res.setHeader("WWW-Authenticate", "Bearer realm=\"gantry\"");
      Problems.write(res, e.status(), e.code(), e.getMessage(), path);
      return;
    }
    req.setAttribute(Principal.ATTRIBUTE, principal);
    long maxBytes = limitFor(req.getMethod(), path);
    long declared = req.getContentLengthLong();
    if (declared > maxBytes) {
      String msg = "request body of " + declared + " bytes is over the limit of " + maxBytes + " bytes";
      refusals.record(principal.account(), req.getMethod(), path, 413, msg);
      Problems.write(res, 413, "payload-too-large", msg, path);
      return;
    }
    chain.doFilter(new LimitedRequest(req, maxBytes), res);
  }

  private Principal authenticate(String header) {
    if (header == null || header.isBlank()) {
      throw new ApiException(401, "unauthenticated", "this API needs a token: send 'Authorization: Bearer <token>'");
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) { // the scheme is case-insensitive (RFC 9110 11.1)
      throw new ApiException(401, "unauthenticated", "the Authorization header must be 'Bearer <token>'");
    }
    String token = header.substring(7).strip();
    if (!Tokens.wellFormed(token)) {
      throw new ApiException(401, "bad-token", "the token is not a Gantry token (expected gty_ and 43 characters)");
    }
    Optional<Credential> found = projections.credentialByHash(Tokens.hash(token));
    if (found.isEmpty()) {
      throw new ApiException(401, "bad-token", "unknown token");
    }
    Credential c = found.get();
    String who = c.account().name();
    if (c.token().revoked()) {
      throw new KnownTokenRefused(who, "token-revoked", "token " + c.token().id() + " was revoked");
    }
    if (c.token().expiresAt() != null && !clock.instant().isBefore(Instant.parse(c.token().expiresAt()))) {
      throw new KnownTokenRefused(who, "token-expired", "token " + c.token().id() + " expired at " + c.token().expiresAt());
    }
    if (c.account().disabled()) {
      throw new KnownTokenRefused(who, "account-disabled", "account '" + who + "' is disabled");
    }
    Set<Role> roles = c.account().roles().stream().map(Role::parse).collect(Collectors.toUnmodifiableSet());
    return new Principal(c.account().name(), c.account().kind(), roles, c.token().id());
  }

  /** A real token that may not be used (revoked, expired, disabled account): the refusal names its account. */
  private static final class KnownTokenRefused extends ApiException {
    final String account;

    KnownTokenRefused(String account, String code, String message) {
      super(401, code, message);
      this.account = account;
    }
  }

  /** Thrown while reading a body that passes the cap; mapped to 413. */
  public static final class TooLarge extends IOException {
    TooLarge(long max) {
      super("request body is over the limit of " + max + " bytes");
    }
  }

  private static final class LimitedRequest extends HttpServletRequestWrapper {
    private final long max;
    private ServletInputStream stream;

    LimitedRequest(HttpServletRequest req, long max) {
      super(req);
      this.max = max;
    }

    @Override
    public java.io.BufferedReader getReader() throws IOException {
      String cs = getCharacterEncoding() == null ? "UTF-8" : getCharacterEncoding();
      return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), cs));
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        ServletInputStream in = super.getInputStream();
        stream = new ServletInputStream() {
          private long read;

          @Override
          public int read() throws IOException {
            int b = in.read();
            if (b >= 0 && ++read > max) {
              throw new TooLarge(max);
            }
            return b;
          }

          @Override
          public int read(byte[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, len);
            if (n > 0 && (read += n) > max) {
              throw new TooLarge(max);
            }
            return n;
          }

          @Override
          public boolean isFinished() {
            return in.isFinished();
          }

          @Override
          public boolean isReady() {
            return in.isReady();
          }

          @Override
          public void setReadListener(ReadListener l) {
            in.setReadListener(l);
          }
        };
      }
      return stream;
    }
  }
}
