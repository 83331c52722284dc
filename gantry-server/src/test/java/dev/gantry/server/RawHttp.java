package dev.gantry.server;

import dev.gantry.core.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Requests that {@link dev.gantry.client.GantryClient} cannot make on purpose: any Authorization header,
 * any content type, raw (even malformed) bodies, chunked bodies, and response headers to inspect.
 */
final class RawHttp {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  private final int port;

  RawHttp(int port) {
    this.port = port;
  }

  record Response(int status, HttpHeaders headers, String body) {
    String contentType() {
      return headers.firstValue("Content-Type").orElse("");
    }

    Map<String, Object> json() {
      return Json.parseObject(body);
    }
  }

  /** How the body travels: with a Content-Length header, or in chunks of unknown total length. */
  enum Framing { LENGTH, CHUNKED }

  Response send(String method, String path, String authorization, String contentType, String body) {
    return send(method, path, authorization, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
        Framing.LENGTH);
  }

  Response send(String method, String path, String authorization, String contentType, byte[] body, Framing framing) {
    return send(method, path, authorization, "application/json, application/problem+json", contentType, body, framing);
  }

  /** A GET that accepts what the caller says (e.g. text/plain for metrics). */
  Response get(String path, String authorization, String accept) {
    return send("GET", path, authorization, accept, null, null, Framing.LENGTH);
  }

  private Response send(String method, String path, String authorization, String accept, String contentType,
      byte[] body, Framing framing) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60))
        .header("Accept", accept);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else if (framing == Framing.CHUNKED) {
      // An InputStream publisher has no known length, so the client sends Transfer-Encoding: chunked.
      b.method(method, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
    } else {
      b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    }
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * Sends a request line byte for byte (no client-side path normalisation) and returns the status
   * code of the answer.
   */
  int statusOfVerbatimGet(String rawPath) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      String statusLine = all.substring(0, all.indexOf("\r\n"));
      return Integer.parseInt(statusLine.split(" ")[1]);
    } catch (IOException e) {
      throw new AssertionError("GET " + rawPath + " failed: " + e, e);
    }
  }
}
