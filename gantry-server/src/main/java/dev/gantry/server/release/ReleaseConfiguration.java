package dev.gantry.server.release;

import dev.gantry.store.Database;
import dev.gantry.store.PolicyQueries;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Read-side queries of environments and approvals. */
@Configuration(proxyBeanMethods = false)
class ReleaseConfiguration {
  @Bean
  PolicyQueries policyQueries(Database db) {
    return new PolicyQueries(db);
  }
}
