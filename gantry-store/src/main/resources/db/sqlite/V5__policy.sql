-- Environments, approvals and the policy gate (issue #7). V4 is taken by the canary work (issue #5).
CREATE TABLE environment (
  name        TEXT    PRIMARY KEY,
  definition  TEXT    NOT NULL,
  applied_by  TEXT    NOT NULL,
  applied_at  TEXT    NOT NULL,
  updated_seq INTEGER NOT NULL
);

CREATE TABLE approval (
  id          TEXT    PRIMARY KEY,
  service     TEXT    NOT NULL,
  serial      TEXT    NOT NULL,
  digest      TEXT    NOT NULL,
  environment TEXT    NOT NULL,
  account     TEXT    NOT NULL,
  decision    TEXT    NOT NULL,
  comment     TEXT    NOT NULL,
  decided_at  TEXT    NOT NULL,
  updated_seq INTEGER NOT NULL
);
CREATE INDEX approval_release ON approval (serial, environment);

-- Deployments recorded before environments existed are in the default environment.
ALTER TABLE deployment ADD COLUMN environment TEXT NOT NULL DEFAULT 'default';
ALTER TABLE deployment ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deployment_serial ON deployment (serial, environment);
