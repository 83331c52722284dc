-- Canary deployments (issue #5): the step a canary stands at, promotions, pauses and analysis verdicts.
ALTER TABLE deployment ADD COLUMN strategy TEXT NOT NULL DEFAULT 'blue-green';
ALTER TABLE deployment ADD COLUMN step BIGINT NOT NULL DEFAULT -1;
ALTER TABLE deployment ADD COLUMN weight BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deployment ADD COLUMN step_since TEXT;
ALTER TABLE deployment ADD COLUMN promote TEXT;
ALTER TABLE deployment ADD COLUMN paused_reason TEXT;
ALTER TABLE deployment ADD COLUMN verdict TEXT;
ALTER TABLE deployment ADD COLUMN verdict_summary TEXT;
ALTER TABLE deployment ADD COLUMN step_verdict TEXT;
ALTER TABLE deployment ADD COLUMN step_summary TEXT;
ALTER TABLE deployment ADD COLUMN inconclusive_since TEXT;
ALTER TABLE deployment ADD COLUMN tested_runs BIGINT NOT NULL DEFAULT 0;

CREATE TABLE analysis_run (
  deployment  TEXT    NOT NULL,
  run         BIGINT NOT NULL,
  kind        TEXT    NOT NULL,
  verdict     TEXT    NOT NULL,
  tested      BIGINT NOT NULL,
  summary     TEXT    NOT NULL,
  metrics     TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  updated_seq BIGINT NOT NULL,
  PRIMARY KEY (deployment, run)
);
