package dev.gantry.runtime.process;

import dev.gantry.core.json.Json;
import dev.gantry.core.json.JsonException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The content of {@code instance.json}: what a later driver needs to adopt the instance after a restart of the
 * server (pid, the pid's start instant as the pid-reuse guard, digest, port), and to restart it after a crash
 * (command template, {@code java}, environment). Written atomically on every change of process or state.
 *
 * <p>{@code env} holds the spec's variables, which may be secrets: the file is created with mode 0600.
 *
 * @param artifact the copy's file name inside {@code artifact/}
 * @param commandTemplate the spec's argv with placeholders
 * @param command the argv the current process was started with
 * @param java the {@code {java}} the instance was first started with; restarts keep it
 * @param pid null before the first process started
 * @param processStart {@code ProcessHandle.info().startInstant()} of {@code pid}; null when the OS does not tell
 * @param startedAt when the driver (re)started the current process, by the driver's clock
 * @param state a {@link dev.gantry.core.deploy.RuntimeDriver.State} name, or {@link #GONE}
 * @param fileKey the copy's file key (device and inode) when it was installed; a change means it was replaced
 * @param reason why the instance was stopped, given up or found drifted; null otherwise
 */
record InstanceRecord(String id, String service, String version, String serial, String digest, String artifact,
    List<String> commandTemplate, List<String> command, String java, Map<String, String> env, int port, Long pid,
    Instant processStart, Instant startedAt, int restarts, String state, boolean drifted, String fileKey,
    String reason) {

  /** Given up by {@code recover()}: the process was dead, not ours any more, or killed; the folder stays for its logs. */
  static final String GONE = "GONE";

  /** Bumped when a field changes meaning; a driver refuses records of a newer format. */
  static final long FORMAT = 1;

  InstanceRecord {
    commandTemplate = List.copyOf(commandTemplate);
    command = List.copyOf(command);
    env = Map.copyOf(env);
  }

  String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("id", id);
    m.put("service", service);
    m.put("version", version);
    m.put("serial", serial);
    m.put("digest", digest);
    m.put("artifact", artifact);
    m.put("commandTemplate", commandTemplate);
    m.put("command", command);
    m.put("java", java);
    m.put("env", new TreeMap<>(env));
    m.put("port", (long) port);
    m.put("pid", pid);
    m.put("processStart", processStart == null ? null : processStart.toString());
    m.put("startedAt", startedAt == null ? null : startedAt.toString());
    m.put("restarts", (long) restarts);
    m.put("state", state);
    m.put("drifted", drifted);
    m.put("fileKey", fileKey);
    m.put("reason", reason);
    return Json.pretty(m) + "\n";
  }

  /**
   * Parses {@code instance.json}.
   *
   * @throws JsonException naming the member that is missing or malformed
   */
  static InstanceRecord fromJson(String text) {
    Map<String, Object> m = Json.parseObject(text);
    long format = Json.integer(m, "format");
    if (format > FORMAT) {
      throw new JsonException("\"format\": " + format + " (expected: <= " + FORMAT + "; written by a newer Gantry)");
    }
    Map<String, Object> envObject = Json.object(m, "env");
    Map<String, String> env = new LinkedHashMap<>();
    envObject.forEach((k, v) -> {
      if (!(v instanceof String s)) {
        throw new JsonException("\"env\".\"" + k + "\": expected a string");
      }
      env.put(k, s);
    });
    Object pid = m.get("pid");
    Object drifted = m.get("drifted");
    return new InstanceRecord(
        Json.string(m, "id"),
        Json.optString(m, "service"),
        Json.optString(m, "version"),
        Json.optString(m, "serial"),
        Json.string(m, "digest"),
        Json.string(m, "artifact"),
        Json.strings(m, "commandTemplate"),
        Json.strings(m, "command"),
        Json.string(m, "java"),
        env,
        (int) Json.integer(m, "port"),
        pid == null ? null : Json.integer(m, "pid"),
        instant(m, "processStart"),
        instant(m, "startedAt"),
        (int) Json.integer(m, "restarts"),
        Json.string(m, "state"),
        Boolean.TRUE.equals(drifted),
        Json.optString(m, "fileKey"),
        Json.optString(m, "reason"));
  }

  InstanceRecord withState(String newState, String newReason) {
    return new InstanceRecord(id, service, version, serial, digest, artifact, commandTemplate, command, java, env,
        port, pid, processStart, startedAt, restarts, newState, drifted, fileKey, newReason);
  }

  private static Instant instant(Map<String, Object> m, String name) {
    String s = Json.optString(m, name);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new JsonException("\"" + name + "\": " + s + " (expected: an ISO-8601 instant)");
    }
  }
}
