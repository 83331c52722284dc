/** Artifacts: serials stamped into jars and tarballs, requirement links, JUnit evidence, SBOM components. */
package dev.gantry.core.artifact;
