/** The {@code gantry} command: {@code gantry <noun> <verb>}, one class per command, through gantry-client. */
package dev.gantry.cli;
