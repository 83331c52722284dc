-- Deployments (issue #4): services, their deployments, instances and halts.
CREATE TABLE service (
  name          TEXT    PRIMARY KEY,
  spec          TEXT    NOT NULL,
  stable_serial TEXT,
  updated_seq   BIGINT  NOT NULL
);

CREATE TABLE deployment (
  id              TEXT    PRIMARY KEY,
  service         TEXT    NOT NULL,
  serial          TEXT    NOT NULL,
  from_serial     TEXT,
  kind            TEXT    NOT NULL,
  phase           TEXT    NOT NULL,
  reason          TEXT    NOT NULL,
  phase_since     TEXT    NOT NULL,
  abort_requested BIGINT  NOT NULL,
  smoke           TEXT    NOT NULL,
  started_by      TEXT    NOT NULL,
  started_at      TEXT    NOT NULL,
  updated_seq     BIGINT  NOT NULL
);
CREATE INDEX deployment_service ON deployment (service, started_at);

CREATE TABLE instance (
  id          TEXT    PRIMARY KEY,
  service     TEXT    NOT NULL,
  serial      TEXT    NOT NULL,
  port        BIGINT  NOT NULL,
  pid         BIGINT  NOT NULL,
  state       TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  updated_seq BIGINT  NOT NULL
);
CREATE INDEX instance_service ON instance (service, serial);

CREATE TABLE halt (
  scope       TEXT    PRIMARY KEY,
  reason      TEXT    NOT NULL,
  halted_by   TEXT    NOT NULL,
  updated_seq BIGINT  NOT NULL
);
