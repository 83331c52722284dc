/** The Java client of the Gantry REST API. */
package dev.gantry.client;
