/**
 * Canary analysis: the statistical tests that compare a canary with the stable version on the router's
 * own counters over the same window (two proportions for errors, Mann-Whitney U for latency).
 */
package dev.gantry.core.analysis;
