/** C2SP signed notes (Ed25519), transparency-log checkpoints and tlog-proof@v1 documents. */
package dev.gantry.core.note;
