/** {@code gantry audit}: verify, export, proofs, checkpoints and the event log. */
package dev.gantry.cli.audit;
