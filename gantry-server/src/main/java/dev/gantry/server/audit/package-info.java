/** The ledger for auditors: entries, verification, checkpoints, inclusion proofs and export. */
package dev.gantry.server.audit;
