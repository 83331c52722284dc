/** Signed provenance: in-toto Statement v1 with a SLSA Provenance v1 predicate, in a DSSE envelope (ECDSA P-256). */
package dev.gantry.core.provenance;
