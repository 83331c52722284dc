package dev.gantry.server.system;

import dev.gantry.store.JdbcLedgerStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Signs a checkpoint when the ledger has grown and the newest checkpoint is older than
 * {@code gantry.checkpoint-interval} (30 s by default, so at least once a minute while events arrive).
 */
@Component
class CheckpointScheduler {
  private static final Logger log = LoggerFactory.getLogger(CheckpointScheduler.class);

  private final JdbcLedgerStore store;
  private final Clock clock;
  private final Duration interval;
  private long signedSize = -1;
  private Instant signedAt = Instant.MIN;

  CheckpointScheduler(JdbcLedgerStore store, Clock clock, GantryProperties props) {
    this.store = store;
    this.clock = clock;
    this.interval = props.checkpointInterval().compareTo(Duration.ofMinutes(1)) > 0
        ? Duration.ofMinutes(1) : props.checkpointInterval();
  }

  /** Pure rule: sign when the ledger grew since the last checkpoint and the interval has passed. */
  static boolean due(long headSize, long signedSize, Instant signedAt, Instant now, Duration interval) {
    return headSize > signedSize && !now.isBefore(signedAt.plus(interval));
  }

  @Scheduled(fixedDelay = 5_000, initialDelay = 5_000)
  void tick() {
    long head = store.head().size();
    Instant now = clock.instant();
    if (due(head, signedSize, signedAt, now, interval)) {
      try {
        store.signCheckpoint();
        signedSize = head;
        signedAt = now;
      } catch (RuntimeException e) {
        log.warn("checkpoint signing failed: {}", e.getMessage());
      }
    }
  }
}
