/** {@code gantry account}: create, list, set roles, disable. */
package dev.gantry.cli.account;
