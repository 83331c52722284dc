/** The embedded {@link dev.gantry.core.deploy.RuntimeDriver}: local processes on loopback ports. */
package dev.gantry.runtime.process;
