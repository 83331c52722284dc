/** A strict JSON reader and the canonical (RFC 8785 style) writer whose bytes the ledger hashes. */
package dev.gantry.core.json;
