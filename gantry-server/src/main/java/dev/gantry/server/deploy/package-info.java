/** Services and blue-green deployments: commands, the reconcile loop, readiness probes and smoke checks. */
package dev.gantry.server.deploy;
