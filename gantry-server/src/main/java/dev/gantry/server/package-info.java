/** The Gantry control-plane server: feature packages (account, audit) plus auth and system. */
package dev.gantry.server;
