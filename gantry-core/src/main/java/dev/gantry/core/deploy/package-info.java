/**
 * Deployments: service specs, the pure blue-green reconciler, and the contracts of the mechanisms it
 * drives ({@link dev.gantry.core.deploy.RuntimeDriver}, {@link dev.gantry.core.deploy.TrafficRouter}).
 */
package dev.gantry.core.deploy;
