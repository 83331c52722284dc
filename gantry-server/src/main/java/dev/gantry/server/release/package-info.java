/** Environments, the release policy check, approvals and rejections over HTTP. */
package dev.gantry.server.release;
