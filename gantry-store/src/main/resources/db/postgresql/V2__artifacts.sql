-- Artifacts (issue #3): projections of artifact.registered and artifact.tests-recorded events.
CREATE TABLE artifact (
  serial          TEXT    PRIMARY KEY,
  number          BIGINT  NOT NULL UNIQUE,
  service         TEXT    NOT NULL,
  digest          TEXT    NOT NULL,
  stamped_digest  TEXT    NOT NULL,
  filename        TEXT    NOT NULL,
  size            BIGINT  NOT NULL,
  format          TEXT    NOT NULL,
  repo            TEXT,
  commit_id       TEXT,
  branch          TEXT,
  dirty           INTEGER NOT NULL,
  sbom_digest     TEXT,
  tools           TEXT    NOT NULL,
  provenance      TEXT    NOT NULL,
  registered_by   TEXT    NOT NULL,
  registered_at   TEXT    NOT NULL,
  updated_seq     BIGINT  NOT NULL,
  UNIQUE (service, digest)
);
CREATE INDEX artifact_digest ON artifact (digest);
CREATE INDEX artifact_stamped ON artifact (stamped_digest);
CREATE INDEX artifact_service ON artifact (service, number);

CREATE TABLE artifact_commit (
  serial       TEXT    NOT NULL,
  commit_id    TEXT    NOT NULL,
  author       TEXT    NOT NULL,
  time         TEXT    NOT NULL,
  message      TEXT    NOT NULL,
  requirements TEXT    NOT NULL,
  updated_seq  BIGINT  NOT NULL,
  PRIMARY KEY (serial, commit_id)
);

CREATE TABLE requirement_link (
  requirement TEXT    NOT NULL,
  serial      TEXT    NOT NULL,
  commit_id   TEXT    NOT NULL,
  updated_seq BIGINT  NOT NULL,
  PRIMARY KEY (requirement, serial, commit_id)
);

CREATE TABLE sbom_component (
  serial      TEXT    NOT NULL,
  ref         TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  version     TEXT,
  purl        TEXT,
  hashes      TEXT    NOT NULL,
  updated_seq BIGINT  NOT NULL,
  PRIMARY KEY (serial, ref)
);

CREATE TABLE test_run (
  serial      TEXT    NOT NULL,
  suite       TEXT    NOT NULL,
  run         INTEGER NOT NULL,
  tests       INTEGER NOT NULL,
  failures    INTEGER NOT NULL,
  errors      INTEGER NOT NULL,
  skipped     INTEGER NOT NULL,
  recorded_by TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  updated_seq BIGINT  NOT NULL,
  PRIMARY KEY (serial, suite, run)
);

CREATE TABLE test_case (
  serial      TEXT    NOT NULL,
  suite       TEXT    NOT NULL,
  run         INTEGER NOT NULL,
  test        TEXT    NOT NULL,
  status      TEXT    NOT NULL,
  time_ms     BIGINT  NOT NULL,
  message     TEXT,
  updated_seq BIGINT  NOT NULL,
  PRIMARY KEY (serial, suite, run, test)
);
CREATE INDEX test_case_test ON test_case (test);
