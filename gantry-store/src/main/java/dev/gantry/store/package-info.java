/** The JDBC ledger store: group-committed appends with their projections, on SQLite or PostgreSQL. */
package dev.gantry.store;
