package dev.gantry.server.system;

import dev.gantry.store.DataDirectory;
import dev.gantry.store.JdbcLedgerStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Prints where the server listens once it does, and publishes ledger gauges. */
@Component
class ServerBanner {
  private final JdbcLedgerStore store;
  private final DataDirectory dir;
  private final dev.gantry.core.deploy.TrafficRouter router;

  ServerBanner(JdbcLedgerStore store, DataDirectory dir, MeterRegistry registry,
      dev.gantry.core.deploy.TrafficRouter router) {
    this.store = store;
    this.dir = dir;
    this.router = router;
    Gauge.builder("gantry.ledger.size", store, s -> s.head().size())
        .description("entries in the ledger").register(registry);
  }

  @EventListener
  void started(WebServerInitializedEvent e) {
    System.out.println("gantry: server listening on http://127.0.0.1:" + e.getWebServer().getPort()
        + " (data " + dir.path() + ", ledger " + store.database().dialect().name().toLowerCase()
        + ", origin " + store.key().name() + ")");
    System.out.println("gantry: router listening on http://" + router.address() + " (services under /SERVICE/)");
  }
}
