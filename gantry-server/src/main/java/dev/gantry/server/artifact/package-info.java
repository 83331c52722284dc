/** Artifacts over HTTP: streaming upload, registration with stamping and signed provenance, evidence, trace. */
package dev.gantry.server.artifact;
