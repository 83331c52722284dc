/** RFC 6962 / RFC 9162 Merkle tree hashing, with inclusion and consistency proofs and their verifiers. */
package dev.gantry.core.merkle;
