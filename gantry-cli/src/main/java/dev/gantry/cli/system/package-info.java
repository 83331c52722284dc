/** Commands about the installation itself: server, login, status, demo. */
package dev.gantry.cli.system;
