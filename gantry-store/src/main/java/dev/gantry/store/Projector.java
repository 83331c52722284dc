package dev.gantry.store;

import dev.gantry.core.account.Role;
import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.RequestRefused;
import dev.gantry.core.json.Json;
import dev.gantry.core.ledger.LedgerEvent.AccountCreated;
import dev.gantry.core.ledger.LedgerEvent.ArtifactRegistered;
import dev.gantry.core.ledger.LedgerEvent.TestsRecorded;
import dev.gantry.core.ledger.LedgerEvent.ClientsSeen;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAbortRequested;
import dev.gantry.core.ledger.LedgerEvent.LeaseAcquired;
import dev.gantry.core.ledger.LedgerEvent.LeaseReleased;
import dev.gantry.core.ledger.LedgerEvent.LeaseRenewed;
import dev.gantry.core.ledger.LedgerEvent.VersionAdded;
import dev.gantry.core.ledger.LedgerEvent.VersionPinned;
import dev.gantry.core.ledger.LedgerEvent.VersionRetired;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAnalysisRecorded;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPaused;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPromoteRequested;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStepChanged;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPhaseChanged;
import dev.gantry.core.ledger.LedgerEvent.DeploymentSmokeChecked;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.Halted;
import dev.gantry.core.ledger.LedgerEvent.InstanceDrifted;
import dev.gantry.core.ledger.LedgerEvent.InstanceStarted;
import dev.gantry.core.ledger.LedgerEvent.InstanceStopped;
import dev.gantry.core.ledger.LedgerEvent.Resumed;
import dev.gantry.core.ledger.LedgerEvent.ServiceApplied;
import dev.gantry.core.ledger.LedgerEvent.AccountDisabled;
import dev.gantry.core.ledger.LedgerEvent.AccountRolesSet;
import dev.gantry.core.ledger.LedgerEvent.InstallationInitialized;
import dev.gantry.core.ledger.LedgerEvent.TokenCreated;
import dev.gantry.core.ledger.LedgerEvent.TokenRevoked;
import dev.gantry.core.ledger.LedgerEvent.ApprovalRecorded;
import dev.gantry.core.ledger.LedgerEvent.BreakGlassUsed;
import dev.gantry.core.ledger.LedgerEvent.EnvironmentApplied;
import dev.gantry.core.ledger.LedgerEvent.PolicyEvaluated;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Applies one event to the projection tables: one {@code case} per event type, as Nomad's FSM does.
 * The same code runs on the live database (inside the append transaction) and on an empty database
 * during replay, so "replay equals live" tests exactly this code. SQL here is portable between SQLite
 * and PostgreSQL.
 */
final class Projector {

  /** Projection tables with their primary key columns, in the order the audit compares them. */
  static final List<Table> TABLES = List.of(
      new Table("account", List.of("name"), Set.of()),
      new Table("token", List.of("id"), Set.of()),
      new Table("artifact", List.of("serial"), Set.of()),
      new Table("artifact_commit", List.of("serial", "commit_id"), Set.of()),
      new Table("requirement_link", List.of("requirement", "serial", "commit_id"), Set.of()),
      new Table("sbom_component", List.of("serial", "ref"), Set.of()),
      new Table("test_run", List.of("serial", "suite", "run"), Set.of("run")),
      new Table("test_case", List.of("serial", "suite", "run", "test"), Set.of("run")),
      new Table("service", List.of("name"), Set.of()),
      new Table("deployment", List.of("id"), Set.of()),
      new Table("analysis_run", List.of("deployment", "run"), Set.of("run")),
      new Table("instance", List.of("id"), Set.of()),
      new Table("service_version", List.of("service", "label"), Set.of()),
      new Table("lease", List.of("id"), Set.of()),
      new Table("version_client", List.of("service", "label", "client"), Set.of()),

      new Table("halt", List.of("scope"), Set.of()),
      new Table("environment", List.of("name"), Set.of()),
      new Table("approval", List.of("id"), Set.of()));

  /** A projection table; integerKeys are the key columns compared as numbers rather than text. */
  record Table(String name, List<String> keys, Set<String> integerKeys) {}

  private Projector() {}

  static void apply(Statements c, LedgerEntry entry, LedgerEvent event) throws SQLException {
    long seq = entry.seq();
    switch (event) {
      case InstallationInitialized e -> {
        // Nothing to project: the origin and key live in the data directory and in this entry.
      }
      case AccountCreated e -> update(c,
          "INSERT INTO account (name, kind, roles, disabled, created_at, updated_seq) VALUES (?, ?, ?, 0, ?, ?)",
          e.name(), e.kind().wire(), roles(e.roles()), entry.time(), seq);
      case AccountRolesSet e -> expectOne(e.name(), update(c,
          "UPDATE account SET roles = ?, updated_seq = ? WHERE name = ?", roles(e.roles()), seq, e.name()));
      case AccountDisabled e -> expectOne(e.name(), update(c,
          "UPDATE account SET disabled = 1, updated_seq = ? WHERE name = ?", seq, e.name()));
      case TokenCreated e -> update(c,
          "INSERT INTO token (id, account, sha256, expires_at, revoked, created_at, description, updated_seq)"
              + " VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
          e.id(), e.account(), e.sha256(), e.expiresAt(), entry.time(), e.description(), seq);
      case TokenRevoked e -> expectOne(e.id(), update(c,
          "UPDATE token SET revoked = 1, updated_seq = ? WHERE id = ?", seq, e.id()));
      case ArtifactRegistered e -> {
        LedgerEvent.Source src = e.source();
        update(c, "INSERT INTO artifact (serial, number, service, digest, stamped_digest, filename, size, format, repo,"
                + " commit_id, branch, dirty, sbom_digest, tools, provenance, registered_by, registered_at, updated_seq)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            e.serial(), e.number(), e.service(), e.digest(), e.stampedDigest(), e.filename(), e.size(), e.format(),
            src == null ? null : src.repo(), src == null ? null : src.commit(), src == null ? null : src.branch(),
            src != null && src.dirty() ? 1 : 0, e.sbomDigest(), Json.canonical(e.tools()), e.provenance(),
            entry.actor(), entry.time(), seq);
        for (LedgerEvent.Commit cm : e.commits()) {
          update(c, "INSERT INTO artifact_commit (serial, commit_id, author, time, message, requirements, updated_seq)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?)", e.serial(), cm.id(), cm.author(), cm.time(), cm.message(),
              String.join(",", cm.requirements()), seq);
          for (String req : new java.util.TreeSet<>(cm.requirements())) {
            update(c, "INSERT INTO requirement_link (requirement, serial, commit_id, updated_seq) VALUES (?, ?, ?, ?)",
                req, e.serial(), cm.id(), seq);
          }
        }
        for (LedgerEvent.Component co : e.components()) {
          update(c, "INSERT INTO sbom_component (serial, ref, name, version, purl, hashes, updated_seq)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?)", e.serial(), co.ref(), co.name(), co.version(), co.purl(),
              String.join(",", co.hashes()), seq);
        }
      }
      case TestsRecorded e -> {
        update(c, "INSERT INTO test_run (serial, suite, run, tests, failures, errors, skipped, recorded_by, recorded_at,"
                + " updated_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e.serial(), e.suite(), e.run(), e.tests(),
            e.failures(), e.errors(), e.skipped(), entry.actor(), entry.time(), seq);
        for (LedgerEvent.TestCase tc : e.cases()) {
          update(c, "INSERT INTO test_case (serial, suite, run, test, status, time_ms, message, updated_seq)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", e.serial(), e.suite(), e.run(), tc.test(), tc.status(), tc.timeMs(),
              tc.message(), seq);
        }
      }
      case ServiceApplied e -> update(c, "INSERT INTO service (name, spec, stable_serial, updated_seq) VALUES (?, ?, NULL, ?)"
          + " ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_seq = excluded.updated_seq",
          e.name(), e.spec(), seq);
      case DeploymentStarted e -> update(c, "INSERT INTO deployment (id, service, serial, from_serial, kind, phase, reason,"
              + " phase_since, abort_requested, smoke, started_by, started_at, updated_seq, environment, break_glass)"
              + " VALUES (?, ?, ?, ?, ?, 'PROVISIONING', 'started', ?, 0, 'NOT_RUN', ?, ?, ?, ?, 0)",
          e.id(), e.service(), e.serial(), e.fromSerial(), e.kind(), entry.time(), entry.actor(), entry.time(), seq,
          e.environment());
      case EnvironmentApplied e -> update(c, "INSERT INTO environment (name, definition, applied_by, applied_at,"
          + " updated_seq) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET definition = excluded.definition,"
          + " applied_by = excluded.applied_by, applied_at = excluded.applied_at, updated_seq = excluded.updated_seq",
          e.name(), e.definition(), entry.actor(), entry.time(), seq);
      case ApprovalRecorded e -> update(c, "INSERT INTO approval (id, service, serial, digest, environment, account,"
              + " decision, comment, decided_at, updated_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e.id(), e.service(),
          e.serial(), e.digest(), e.environment(), e.account(), e.decision(), e.comment() == null ? "" : e.comment(),
          entry.time(), seq);
      case PolicyEvaluated e -> {
        // Evaluations are evidence kept in the ledger (subject artifact:SERIAL); no current state changes.
      }
      case BreakGlassUsed e -> expectOne(e.deployment(), update(c,
          "UPDATE deployment SET break_glass = 1, updated_seq = ? WHERE id = ?", seq, e.deployment()));
      case DeploymentPhaseChanged e -> {
        // A phase change starts or ends a canary: no pass at a weight and no inconclusive streak carries over.
        expectOne(e.id(), update(c, "UPDATE deployment SET phase = ?, reason = ?, phase_since = ?, passed_weight = -1,"
            + " inconclusive_since = NULL, updated_seq = ? WHERE id = ?", e.phase(), e.reason(), entry.time(), seq, e.id()));
        if (e.phase().equals("COMPLETE")) {
          expectOne(e.service(), update(c, "UPDATE service SET stable_serial = (SELECT serial FROM deployment WHERE id = ?),"
              + " updated_seq = ? WHERE name = ?", e.id(), seq, e.service()));
        }
      }
      case DeploymentSmokeChecked e -> expectOne(e.id(), update(c,
          "UPDATE deployment SET smoke = ?, updated_seq = ? WHERE id = ?", e.passed() ? "PASSED" : "FAILED", seq, e.id()));
      case DeploymentAbortRequested e -> expectOne(e.id(), update(c,
          "UPDATE deployment SET abort_requested = 1, updated_seq = ? WHERE id = ?", seq, e.id()));
      // A step change keeps inconclusive_since: inconclusive is not a pass, and moving on must not restart its clock.
      case DeploymentStepChanged e -> expectOne(e.id(), update(c, "UPDATE deployment SET strategy = 'canary', step = ?,"
          + " weight = ?, step_since = ?, promote = NULL, paused_reason = NULL,"
          + " step_verdict = NULL, step_summary = NULL, reason = ?, updated_seq = ? WHERE id = ?",
          e.step(), e.weight(), entry.time(), e.reason(), seq, e.id()));
      case DeploymentAnalysisRecorded e -> {
        // Each metric spends its share of the significance over the runs that tested it (pass or fail).
        int errorTested = tested(e, "error-rate");
        int latencyTested = tested(e, "latency");
        update(c, "INSERT INTO analysis_run (deployment, run, kind, verdict, tested, summary, metrics, recorded_at,"
                + " updated_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", e.id(), e.run(), e.kind(), e.verdict(),
            e.tested() ? 1 : 0, e.summary(), Json.canonical(e.body().get("metrics")), entry.time(), seq);
        if (e.kind().equals("background")) {
          // inconclusive_since: when an unbroken run of verdicts that leave the gate shut began: inconclusive ones,
          // and passes that do not count while no pass has counted at this weight (a weight that gets no traffic
          // would otherwise wait for ever without pausing for a human). Cleared by a fail or a pass that counts.
          // passed_weight: the weight in force at the last pass that counts for it (weights only grow, so = weight
          // means "passed at it"). A pass counts when its run saw minRequests canary requests since the step began,
          // as the event records (countsForWeight); an entry from before that field counts, as it did then.
          expectOne(e.id(), update(c, "UPDATE deployment SET verdict = ?, verdict_summary = ?, tested_runs = tested_runs + ?,"
              + " error_tested_runs = error_tested_runs + ?, latency_tested_runs = latency_tested_runs + ?,"
              + " inconclusive_since = CASE WHEN ? = 'inconclusive' OR (? = 1 AND passed_weight <> weight)"
              + " THEN COALESCE(inconclusive_since, ?) ELSE NULL END,"
              + " passed_weight = CASE WHEN ? = 1 THEN weight ELSE passed_weight END,"
              + " updated_seq = ? WHERE id = ?", e.verdict(), e.summary(), e.tested() ? 1 : 0, errorTested, latencyTested,
              e.verdict(), e.verdict().equals("pass") && !e.passCountsForWeight() ? 1 : 0, entry.time(),
              e.passCountsForWeight() ? 1 : 0, seq, e.id()));
        } else {
          expectOne(e.id(), update(c, "UPDATE deployment SET step_verdict = ?, step_summary = ?,"
              + " tested_runs = tested_runs + ?, error_tested_runs = error_tested_runs + ?,"
              + " latency_tested_runs = latency_tested_runs + ?, updated_seq = ? WHERE id = ?", e.verdict(), e.summary(),
              e.tested() ? 1 : 0, errorTested, latencyTested, seq, e.id()));
        }
      }
      // An operator's promotion restarts the inconclusive clock: the person took the decision the timeout asked for.
      case DeploymentPromoteRequested e -> expectOne(e.id(), update(c, "UPDATE deployment SET promote = ?,"
          + " inconclusive_since = CASE WHEN inconclusive_since IS NULL THEN NULL ELSE ? END, updated_seq = ? WHERE id = ?",
          e.full() ? "full" : "step", entry.time(), seq, e.id()));
      case DeploymentPaused e -> expectOne(e.id(), update(c,
          "UPDATE deployment SET paused_reason = ?, reason = ?, updated_seq = ? WHERE id = ?", e.reason(), e.reason(), seq,
          e.id()));
      case VersionAdded e -> {
        // The versions before it stop being the default now (their deprecation date).
        update(c, "UPDATE service_version SET deprecated_at = ?, updated_seq = ? WHERE service = ? AND state = 'running'"
            + " AND deprecated_at IS NULL AND label <> ?", entry.time(), seq, e.service(), e.label());
        update(c, "INSERT INTO service_version (service, label, serial, state, side_by_side, added_at, updated_seq)"
            + " VALUES (?, ?, ?, 'running', ?, ?, ?) ON CONFLICT (service, label) DO UPDATE SET state = 'running',"
            + " side_by_side = excluded.side_by_side, added_at = excluded.added_at, deprecated_at = NULL,"
            + " retired_at = NULL, reason = NULL, successor = NULL, updated_seq = excluded.updated_seq",
            e.service(), e.label(), e.serial(), e.sideBySide() ? 1 : 0, entry.time(), seq);
      }
      case VersionRetired e -> {
        // Only a running version retires: the first retirement's time, reason and successor stand. Commands
        // decide inside the append so none writes a second one. (A ledger written before that holding two replays
        // to the first retirement, not to the row the older projector left: such a database fails audit verify
        // until its projections are rebuilt; no released version wrote version events.)
        if (update(c, "UPDATE service_version SET state = 'retired', retired_at = ?, reason = ?, successor = ?,"
            + " updated_seq = ? WHERE service = ? AND label = ? AND state = 'running'", entry.time(), e.reason(),
            e.successor(), seq, e.service(), e.label()) == 0) {
          expectOne(e.service() + "@" + e.label(), count(c, "SELECT COUNT(*) FROM service_version WHERE service = ?"
              + " AND label = ?", e.service(), e.label()));
        }
      }
      case VersionPinned e -> expectOne(e.service(), update(c,
          "UPDATE service SET pinned = ?, updated_seq = ? WHERE name = ?", e.label(), seq, e.service()));
      case ClientsSeen e -> {
        for (var cl : new java.util.TreeMap<>(e.lastSeen()).entrySet()) {
          // An entry without explicitLastSeen (written before the router told default-address traffic apart)
          // counts its clients as explicit, as they counted then; a newer one sets explicit_last_seen for the
          // clients that addressed the version by version, and leaves the others' as they were.
          String explicit = e.explicitLastSeen() == null ? cl.getValue() : e.explicitLastSeen().get(cl.getKey());
          update(c, "INSERT INTO version_client (service, label, client, last_seen, explicit_last_seen, updated_seq)"
              + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (service, label, client) DO UPDATE SET"
              + " last_seen = excluded.last_seen,"
              + " explicit_last_seen = COALESCE(excluded.explicit_last_seen, version_client.explicit_last_seen),"
              + " updated_seq = excluded.updated_seq", e.service(), e.label(), cl.getKey(), cl.getValue(), explicit,
              seq);
        }
      }
      case LeaseAcquired e -> update(c, "INSERT INTO lease (id, service, label, client, expires_at, released,"
          + " acquired_by, acquired_at, updated_seq) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)", e.id(), e.service(), e.label(),
          e.client(), e.expiresAt(), entry.actor(), entry.time(), seq);
      case LeaseRenewed e -> expectOne(e.id(), update(c,
          "UPDATE lease SET expires_at = ?, updated_seq = ? WHERE id = ?", e.expiresAt(), seq, e.id()));
      case LeaseReleased e -> expectOne(e.id(), update(c,
          "UPDATE lease SET released = 1, updated_seq = ? WHERE id = ?", seq, e.id()));
      case InstanceStarted e -> update(c, "INSERT INTO instance (id, service, serial, port, pid, state, reason, updated_seq)"
              + " VALUES (?, ?, ?, ?, ?, 'RUNNING', 'started', ?) ON CONFLICT (id) DO UPDATE SET port = excluded.port,"
              + " pid = excluded.pid, state = 'RUNNING', reason = 'started', updated_seq = excluded.updated_seq",
          e.id(), e.service(), e.serial(), e.port(), e.pid(), seq);
      case InstanceStopped e -> expectOne(e.id(), update(c,
          "UPDATE instance SET state = 'STOPPED', reason = ?, updated_seq = ? WHERE id = ?", e.reason(), seq, e.id()));
      case InstanceDrifted e -> expectOne(e.id(), update(c,
          "UPDATE instance SET state = 'DRIFTED', reason = ?, updated_seq = ? WHERE id = ?", e.reason(), seq, e.id()));
      case Halted e -> update(c, "INSERT INTO halt (scope, reason, halted_by, updated_seq) VALUES (?, ?, ?, ?)"
          + " ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason, halted_by = excluded.halted_by,"
          + " updated_seq = excluded.updated_seq", e.scope(), e.reason(), entry.actor(), seq);
      case Resumed e -> update(c, "DELETE FROM halt WHERE scope = ?", e.scope());
      case RequestRefused e -> {
        // Refusals are kept in the ledger only; there is no current state to update.
      }
    }
  }

  /** 1 when the run tested the metric (its verdict is pass or fail), else 0. */
  private static int tested(DeploymentAnalysisRecorded e, String metric) {
    return e.metrics().stream().anyMatch(m -> m.name().equals(metric)
        && (m.verdict().equals("pass") || m.verdict().equals("fail"))) ? 1 : 0;
  }

  /** Roles as stored: sorted wire names joined by commas. */
  static String roles(Set<Role> roles) {
    return roles.stream().map(Role::wire).sorted().collect(Collectors.joining(","));
  }

  private static void expectOne(String key, int rows) {
    if (rows != 1) {
      throw new IllegalStateException("projection has no row for '" + key + "'");
    }
  }

  private static int count(Statements c, String sql, Object... args) throws SQLException {
    PreparedStatement ps = c.prepare(sql);
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
    try (java.sql.ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  private static int update(Statements c, String sql, Object... args) throws SQLException {
    PreparedStatement ps = c.prepare(sql);
    {
      for (int i = 0; i < args.length; i++) {
        if (args[i] == null) {
          ps.setNull(i + 1, java.sql.Types.VARCHAR); // only text columns are nullable
        } else {
          ps.setObject(i + 1, args[i]);
        }
      }
      return ps.executeUpdate();
    }
  }
}
