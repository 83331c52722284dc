/** Environments, release checks, approvals and rejections: {@code gantry env}, {@code release}, {@code approve}, {@code reject}. */
package dev.gantry.cli.release;
