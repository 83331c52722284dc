-- The ledger: append-only. Triggers refuse updates and deletes, so that even code with a connection
-- cannot rewrite history; someone editing the file directly is caught by `gantry audit verify`.
CREATE TABLE ledger_entry (
  seq       INTEGER PRIMARY KEY,
  time      TEXT    NOT NULL,
  actor     TEXT    NOT NULL,
  type      TEXT    NOT NULL,
  subject   TEXT    NOT NULL,
  body      TEXT    NOT NULL,
  prev_hash TEXT    NOT NULL,
  hash      TEXT    NOT NULL
);
CREATE INDEX ledger_entry_subject ON ledger_entry (subject, seq);

CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
BEGIN
  SELECT RAISE(ABORT, 'ledger entries are immutable');
END;

CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
BEGIN
  SELECT RAISE(ABORT, 'ledger entries are immutable');
END;

-- One row: the chain head and the Merkle tree's right edge (compact range), updated with each commit.
CREATE TABLE ledger_head (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  size         INTEGER NOT NULL,
  hash         TEXT    NOT NULL,
  merkle_range TEXT    NOT NULL
);
INSERT INTO ledger_head (id, size, hash, merkle_range) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '');

CREATE TABLE checkpoint (
  size      INTEGER PRIMARY KEY,
  note      TEXT    NOT NULL,
  signed_at TEXT    NOT NULL
);

-- Projections: derived from the ledger; each row names the last entry that wrote it (updated_seq).
CREATE TABLE account (
  name        TEXT    PRIMARY KEY,
  kind        TEXT    NOT NULL,
  roles       TEXT    NOT NULL,
  disabled    INTEGER NOT NULL,
  created_at  TEXT    NOT NULL,
  updated_seq INTEGER NOT NULL
);

CREATE TABLE token (
  id          TEXT    PRIMARY KEY,
  account     TEXT    NOT NULL,
  sha256      TEXT    NOT NULL UNIQUE,
  expires_at  TEXT,
  revoked     INTEGER NOT NULL,
  created_at  TEXT    NOT NULL,
  description TEXT,
  updated_seq INTEGER NOT NULL
);
CREATE INDEX token_account ON token (account);
