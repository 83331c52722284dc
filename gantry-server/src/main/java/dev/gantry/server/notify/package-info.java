/** Incident notifications: Slack-compatible webhooks for deployment starts, steps, verdicts, rollbacks and halts. */
package dev.gantry.server.notify;
