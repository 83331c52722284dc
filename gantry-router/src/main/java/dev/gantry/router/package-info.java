/** The data plane: a Netty HTTP/1.1 reverse proxy implementing {@link dev.gantry.core.deploy.TrafficRouter}. */
package dev.gantry.router;
