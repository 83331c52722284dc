/** The ledger: typed events, their canonical hashed form, the hash chain and the offline verifier. */
package dev.gantry.core.ledger;
