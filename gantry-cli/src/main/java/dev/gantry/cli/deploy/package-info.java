/** {@code gantry service apply}, {@code deploy}, {@code status SERVICE}, {@code rollback}, {@code abort}, {@code halt}, {@code resume}, {@code logs}. */
package dev.gantry.cli.deploy;
