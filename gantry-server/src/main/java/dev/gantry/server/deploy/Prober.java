package dev.gantry.server.deploy;

import dev.gantry.core.deploy.ServiceSpec.Probe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Readiness and liveness probes: an HTTP GET to each instance's probe path on its loopback port, every
 * interval, asynchronously. An instance becomes ready after successThreshold successes in a row and
 * unready after failureThreshold failures in a row; liveness fails after failureThreshold failures.
 * A 2xx or 3xx answer within the timeout is a success.
 */
final class Prober {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1))
      .version(HttpClient.Version.HTTP_1_1).build();
  private final Map<String, State> states = new ConcurrentHashMap<>();

  /** Per instance and probe kind; fields are guarded by the object's monitor. */
  private static final class State {
    int successes;
    int failures;
    boolean passing;
    boolean inFlight;
    boolean answered;
    Instant last = Instant.MIN;
  }

  /** Starts due probes for an instance (kind: "ready" or "live"). */
  void probe(String instanceId, String kind, int port, Probe p, Instant now) {
    State s = states.computeIfAbsent(instanceId + "/" + kind, k -> new State());
    synchronized (s) {
      if (s.inFlight || now.isBefore(s.last.plus(p.interval()))) {
        return;
      }
      s.inFlight = true;
      s.last = now;
    }
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + p.path()))
        .timeout(p.timeout()).GET().build();
    http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
      boolean ok = e == null && r.statusCode() >= 200 && r.statusCode() < 400;
      synchronized (s) {
        s.inFlight = false;
        s.answered = true;
        if (ok) {
          s.successes++;
          s.failures = 0;
          if (s.successes >= p.successThreshold()) {
            s.passing = true;
          }
        } else {
          s.failures++;
          s.successes = 0;
          if (s.failures >= p.failureThreshold()) {
            s.passing = false;
          }
        }
      }
    });
  }

  boolean ready(String instanceId) {
    State s = states.get(instanceId + "/ready");
    if (s == null) {
      return false;
    }
    synchronized (s) {
      return s.passing;
    }
  }

  /** True once a readiness probe of the instance has completed (either way). */
  /**
   * Forgets an instance's probe results: its process was replaced (a restart after a crash), and the old
   * process's "ready" says nothing about the new one, which must pass its own probes before traffic.
   */
  void forget(String instanceId) {
    states.remove(instanceId + "/ready");
    states.remove(instanceId + "/live");
  }

  boolean known(String instanceId) {
    State s = states.get(instanceId + "/ready");
    if (s == null) {
      return false;
    }
    synchronized (s) {
      return s.answered;
    }
  }

  /** True when liveness has failed failureThreshold times in a row (after having passed or not). */
  boolean dead(String instanceId, int failureThreshold) {
    State s = states.get(instanceId + "/live");
    if (s == null) {
      return false;
    }
    synchronized (s) {
      return s.failures >= failureThreshold;
    }
  }

  /** Forgets instances that no longer exist. */
  void retain(Set<String> instanceIds) {
    states.keySet().removeIf(k -> !instanceIds.contains(k.substring(0, k.lastIndexOf('/'))));
  }
}
