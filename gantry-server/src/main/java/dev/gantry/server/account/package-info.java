/** Accounts, roles and API tokens over HTTP. */
package dev.gantry.server.account;
