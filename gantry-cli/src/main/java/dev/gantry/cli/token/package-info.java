/** {@code gantry token}: issue, list, revoke. */
package dev.gantry.cli.token;
