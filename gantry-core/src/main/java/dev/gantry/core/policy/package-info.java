/** Environments, release policy rules and their pure evaluation, and who may approve a release. */
package dev.gantry.core.policy;
