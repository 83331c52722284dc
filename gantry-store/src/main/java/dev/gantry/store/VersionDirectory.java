package dev.gantry.store;

import dev.gantry.store.DeployQueries.ClientRow;
import dev.gantry.store.DeployQueries.Directory;
import dev.gantry.store.DeployQueries.LeaseRow;
import dev.gantry.store.DeployQueries.VersionRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds the three directory queries into one row per running version (the {@code GET /versions} answer):
 * clients seen, the last one's time, live leases.
 */
public final class VersionDirectory {
  private VersionDirectory() {}

  /** The directory of every service, as of now (leases that expired by now do not count). */
  public static List<Map<String, Object>> build(DeployQueries queries, Instant now) {
    return build(queries.directory(), now);
  }

  static List<Map<String, Object>> build(Directory d, Instant now) {
    Map<String, long[]> clients = new HashMap<>();
    Map<String, String> lastSeen = new HashMap<>();
    Map<String, String> lastExplicitSeen = new HashMap<>();
    for (ClientRow c : d.clients()) {
      String k = c.service() + "@" + c.label();
      clients.computeIfAbsent(k, x -> new long[1])[0]++;
      lastSeen.merge(k, c.lastSeen(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
      if (c.explicitLastSeen() != null) {
        lastExplicitSeen.merge(k, c.explicitLastSeen(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
      }
    }
    Map<String, long[]> leases = new HashMap<>();
    for (LeaseRow l : d.leases()) {
      if (Instant.parse(l.expiresAt()).isAfter(now)) {
        leases.computeIfAbsent(l.service() + "@" + l.label(), x -> new long[1])[0]++;
      }
    }
    List<Map<String, Object>> out = new ArrayList<>(d.versions().size());
    for (VersionRow v : d.versions()) {
      String k = v.service() + "@" + v.label();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("service", v.service());
      m.put("version", v.label());
      m.put("serial", v.serial());
      m.put("sideBySide", v.sideBySide());
      m.put("addedAt", v.addedAt());
      m.put("clients", clients.getOrDefault(k, new long[1])[0]);
      m.put("lastClientSeen", lastSeen.get(k));
      m.put("lastExplicitClientSeen", lastExplicitSeen.get(k)); // by version: what keeps a non-default version
      m.put("liveLeases", leases.getOrDefault(k, new long[1])[0]);
      out.add(m);
    }
    return out;
  }
}
