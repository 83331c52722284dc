package dev.gantry.server.deploy;

import dev.gantry.core.deploy.ServiceSpec;
import dev.gantry.core.deploy.ServiceSpec.SmokeCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a spec's smoke checks through the router's preview route ({@code /PREFIX/~preview/...}), so they
 * exercise exactly the path real traffic will take after the switch.
 */
final class SmokeRunner {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1).build();

  /** The outcome: passed, or the first failing check and what it got. */
  record Result(boolean passed, String detail) {}

  CompletableFuture<Result> run(ServiceSpec spec, String routerAddress) {
    return CompletableFuture.supplyAsync(() -> {
      for (SmokeCheck c : spec.smoke()) {
        String url = "http://" + routerAddress + "/" + spec.route().pathPrefix() + "/~preview" + c.path();
        try {
          HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
              .header("X-Gantry-Preview", "1").method(c.method(), HttpRequest.BodyPublishers.noBody()).build();
          HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != c.expectStatus()) {
            return new Result(false, c.method() + " " + c.path() + " answered " + r.statusCode() + " (expected "
                + c.expectStatus() + ")");
          }
          if (c.expectBodyContains() != null && !r.body().contains(c.expectBodyContains())) {
            return new Result(false, c.method() + " " + c.path() + " body lacks '" + c.expectBodyContains() + "'");
          }
        } catch (Exception e) {
          return new Result(false, c.method() + " " + c.path() + " failed: " + e);
        }
      }
      return new Result(true, spec.smoke().size() + " smoke check(s) passed");
    });
  }
}
