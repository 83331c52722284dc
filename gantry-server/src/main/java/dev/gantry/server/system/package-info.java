/** Wiring, configuration, bootstrap, errors as problem details, and periodic checkpoints. */
package dev.gantry.server.system;
