package dev.gantry.server.notify;

import dev.gantry.core.ledger.LedgerEntry;
import dev.gantry.core.ledger.LedgerEvent;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAbortRequested;
import dev.gantry.core.ledger.LedgerEvent.DeploymentAnalysisRecorded;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPaused;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPhaseChanged;
import dev.gantry.core.ledger.LedgerEvent.DeploymentPromoteRequested;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStarted;
import dev.gantry.core.ledger.LedgerEvent.DeploymentStepChanged;
import dev.gantry.core.ledger.LedgerEvent.Halted;
import dev.gantry.core.ledger.LedgerEvent.Resumed;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One notification, made from one ledger entry: its kind (for filters), the service, and a sentence.
 * {@link #slackBody()} is Slack's incoming-webhook JSON ({@code text} plus one mrkdwn section), with the
 * same facts under {@code gantry} for other receivers.
 */
public record Notification(Kind kind, String service, String deployment, String text, LedgerEntry entry) {

  /** What happened, as the filter words of {@code gantry.notifications.webhooks[i].events}. */
  public enum Kind {
    START, STEP, PASS, FAIL, ROLLBACK, COMPLETE, HALT, RESUME, PAUSED, PROMOTE, ABORT, BREAK_GLASS;

    public String word() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Kind parse(String w) {
      try {
        return valueOf(w.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("notification event '" + w + "' (expected one of "
            + java.util.Arrays.stream(values()).map(Kind::word).toList() + ")");
      }
    }
  }

  /**
   * The notification for an entry, if it is one people should hear about. {@code lastVerdict} holds the
   * previous background verdict per deployment: a run of failing verdicts (a halted canary keeps reporting)
   * notifies once, when it begins; background passes are not news, a step's pass is. A deployment's entry is
   * removed when it reaches a final phase ({@code COMPLETE}, {@code ROLLED_BACK}), so the map holds only
   * deployments in progress (at most one per service).
   */
  static Optional<Notification> of(LedgerEntry entry, Map<String, String> lastVerdict) {
    LedgerEvent ev = entry.event();
    String by = " (by " + entry.actor() + ")";
    return Optional.ofNullable(switch (ev) {
      case DeploymentStarted e -> new Notification(Kind.START, e.service(), e.id(), "Deployment " + e.id() + " of *"
          + e.service() + "* started: " + (e.fromSerial() == null ? "(nothing)" : e.fromSerial()) + " → " + e.serial()
          + by, entry);
      case DeploymentStepChanged e -> new Notification(Kind.STEP, e.service(), e.id(), "Canary " + e.id() + " of *"
          + e.service() + "*: " + e.step() + " steps done, weight " + e.weight() + "%: " + e.reason(), entry);
      case DeploymentAnalysisRecorded e -> {
        String previous = e.kind().equals("background") ? lastVerdict.put(e.id(), e.verdict()) : null;
        if (e.verdict().equals("fail") && !"fail".equals(previous)) {
          yield new Notification(Kind.FAIL, e.service(), e.id(), ":red_circle: Canary " + e.id() + " of *" + e.service()
              + "* failed its " + e.kind() + " analysis (run " + e.run() + "): " + e.summary(), entry);
        }
        if (e.verdict().equals("pass") && e.kind().equals("step")) {
          yield new Notification(Kind.PASS, e.service(), e.id(), ":large_green_circle: Canary " + e.id() + " of *"
              + e.service() + "* passed its step analysis (run " + e.run() + "): " + e.summary(), entry);
        }
        yield null;
      }
      case DeploymentPhaseChanged e -> {
        if (e.phase().equals("COMPLETE") || e.phase().equals("ROLLED_BACK")) {
          lastVerdict.remove(e.id()); // final: no more verdicts will come for it
        }
        yield switch (e.phase()) {
          // One rollback notification, when it begins: the cause is known then, and traffic is already on
          // stable (the transition comes with the route back). ROLLED_BACK only says the canary's instances
          // stopped, with the same reason every time: not news.
          case "ROLLING_BACK" -> new Notification(Kind.ROLLBACK, e.service(), e.id(), ":rewind: Deployment " + e.id()
              + " of *" + e.service() + "* is rolling back: " + e.reason(), entry);
          case "COMPLETE" -> new Notification(Kind.COMPLETE, e.service(), e.id(), ":white_check_mark: Deployment "
              + e.id() + " of *" + e.service() + "* complete: " + e.reason(), entry);
          default -> null;
        };
      }
      case DeploymentPaused e -> new Notification(Kind.PAUSED, e.service(), e.id(), ":pause_button: Canary " + e.id()
          + " of *" + e.service() + "* waits for a human: " + e.reason(), entry);
      case DeploymentPromoteRequested e -> new Notification(Kind.PROMOTE, e.service(), e.id(), "Canary " + e.id()
          + " of *" + e.service() + "* promoted" + (e.full() ? " to full" : " past its step") + by, entry);
      case DeploymentAbortRequested e -> new Notification(Kind.ABORT, e.service(), e.id(), "Deployment " + e.id()
          + " of *" + e.service() + "* aborted: " + e.reason() + by, entry);
      case LedgerEvent.BreakGlassUsed e -> new Notification(Kind.BREAK_GLASS, e.service(), e.deployment(),
          ":rotating_light: BREAK GLASS: " + entry.actor() + " deployed " + e.serial() + " of *" + e.service()
          + "* into " + e.environment() + " past " + e.overridden() + ": " + e.reason(), entry);
      case Halted e -> new Notification(Kind.HALT, e.scope(), null, ":octagonal_sign: " + (e.scope().equals("*")
          ? "All services" : "*" + e.scope() + "*") + " halted" + (e.reason().isEmpty() ? "" : ": " + e.reason()) + by,
          entry);
      case Resumed e -> new Notification(Kind.RESUME, e.scope(), null, (e.scope().equals("*") ? "All services"
          : "*" + e.scope() + "*") + " resumed" + by, entry);
      default -> null;
    });
  }

  /** Slack's incoming-webhook body, with Gantry's facts beside it. */
  Map<String, Object> slackBody() {
    Map<String, Object> gantry = new LinkedHashMap<>();
    gantry.put("kind", kind.word());
    gantry.put("service", service);
    if (deployment != null) {
      gantry.put("deployment", deployment);
    }
    gantry.put("seq", entry.seq());
    gantry.put("time", entry.time());
    gantry.put("actor", entry.actor());
    gantry.put("event", entry.type());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("text", text);
    body.put("blocks", List.of(Map.of("type", "section", "text", Map.of("type", "mrkdwn", "text", text))));
    body.put("gantry", gantry);
    return body;
  }
}
