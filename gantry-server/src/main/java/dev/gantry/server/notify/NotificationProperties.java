package dev.gantry.server.notify;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Webhooks ({@code gantry.notifications.*}). Kept in the server's configuration, not in the ledger: a Slack
 * webhook URL is a secret, and the ledger is exported to auditors.
 *
 * <pre>
 * gantry.notifications.webhooks[0].url=https://hooks.slack.com/services/T000/B000/XXXX
 * gantry.notifications.webhooks[0].events=fail,rollback,halt     # default: all kinds
 * gantry.notifications.webhooks[0].services=pricing              # default: all services
 * gantry.notifications.webhooks[0].secret=...                    # optional: X-Gantry-Signature HMAC-SHA256
 * </pre>
 *
 * @param pollInterval how often the notifier reads new ledger entries
 */
@ConfigurationProperties("gantry.notifications")
public record NotificationProperties(@DefaultValue List<Webhook> webhooks, @DefaultValue("250ms") Duration pollInterval) {

  /**
   * One webhook.
   *
   * @param events the kinds to send (see {@link Notification.Kind}); empty: all
   * @param services the services to send about; empty: all (halts of everything always go)
   * @param secret when set, each request carries {@code X-Gantry-Signature: sha256=HMAC(secret, body)}
   * @param maxAttempts tries per notification before it is given up (logged)
   * @param initialBackoff the wait before the second try; it doubles after each failure
   */
  public record Webhook(String url, @DefaultValue List<String> events, @DefaultValue List<String> services,
      String secret, @DefaultValue("5") int maxAttempts, @DefaultValue("1s") Duration initialBackoff,
      @DefaultValue("5s") Duration timeout) {}
}
