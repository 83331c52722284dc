-- The version directory (issue #6): versions side by side, their clients and leases, pins and retirements.
CREATE TABLE service_version (
  service       TEXT    NOT NULL,
  label         TEXT    NOT NULL,
  serial        TEXT    NOT NULL,
  state         TEXT    NOT NULL,
  side_by_side  INTEGER NOT NULL,
  added_at      TEXT    NOT NULL,
  deprecated_at TEXT,
  retired_at    TEXT,
  reason        TEXT,
  successor     TEXT,
  updated_seq   INTEGER NOT NULL,
  PRIMARY KEY (service, label)
);
CREATE INDEX service_version_serial ON service_version (service, serial);

CREATE TABLE lease (
  id          TEXT    PRIMARY KEY,
  service     TEXT    NOT NULL,
  label       TEXT    NOT NULL,
  client      TEXT    NOT NULL,
  expires_at  TEXT    NOT NULL,
  released    INTEGER NOT NULL,
  acquired_by TEXT    NOT NULL,
  acquired_at TEXT    NOT NULL,
  updated_seq INTEGER NOT NULL
);
CREATE INDEX lease_version ON lease (service, label);

CREATE TABLE version_client (
  service     TEXT    NOT NULL,
  label       TEXT    NOT NULL,
  client      TEXT    NOT NULL,
  last_seen   TEXT    NOT NULL,
  updated_seq INTEGER NOT NULL,
  PRIMARY KEY (service, label, client)
);

ALTER TABLE service ADD COLUMN pinned TEXT;
