/** Accounts, roles and the separation-of-duties rules every server enforces. */
package dev.gantry.core.account;
