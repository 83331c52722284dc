/** {@code gantry artifact}, {@code commits}, {@code tests}, {@code trace}, {@code requirements}: artifacts and their evidence. */
package dev.gantry.cli.artifact;
