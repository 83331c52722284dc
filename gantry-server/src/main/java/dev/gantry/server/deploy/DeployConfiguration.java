package dev.gantry.server.deploy;

import dev.gantry.core.deploy.RuntimeDriver;
import dev.gantry.core.deploy.TrafficRouter;
import dev.gantry.router.NettyTrafficRouter;
import dev.gantry.runtime.process.ProcessRuntimeDriver;
import dev.gantry.server.system.GantryProperties;
import dev.gantry.store.DataDirectory;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The mechanisms the deploy loop drives: local processes and the Netty router. */
@Configuration(proxyBeanMethods = false)
class DeployConfiguration {

  /** Instances survive a server restart and are adopted by the next start: close() does not stop them. */
  @Bean(destroyMethod = "close")
  RuntimeDriver runtimeDriver(DataDirectory dir, Clock clock, GantryProperties props) {
    return new ProcessRuntimeDriver(dir.path().resolve("runtime"), clock,
        ProcessRuntimeDriver.Options.defaults().withDriftCheckInterval(props.driftCheckInterval()));
  }

  @Bean(destroyMethod = "close")
  TrafficRouter trafficRouter(GantryProperties props, Clock clock) {
    // The server's clock dates the clients the router sees: retirement compares them with leases and retireAfter.
    return new NettyTrafficRouter(props.routerBind(), props.routerPort(),
        Math.max(1, Runtime.getRuntime().availableProcessors()), NettyTrafficRouter.Options.defaults(), clock).start();
  }
}
