-- Canaries (issue #5): what the gate before a higher weight and before completion needs from the projection.
-- passed_weight: the weight in force when the background analysis last passed (-1: none in this canary); a
-- weight may be raised, and a canary completed, only after a pass at the weight in force.
ALTER TABLE deployment ADD COLUMN passed_weight BIGINT NOT NULL DEFAULT -1;

-- Rows written before this migration, so that they equal a replay of the ledger with the new projector: a phase
-- change now clears inconclusive_since (and passed_weight), so no deployment outside the canary phase has one.
-- A canary in flight during the upgrade counts a pass at its weight if its latest verdict passed; it may differ
-- from a replay until its next verdict or its end (a pass in the last interval before a raise).
UPDATE deployment SET inconclusive_since = NULL WHERE phase <> 'CANARY';
UPDATE deployment SET passed_weight = weight WHERE phase = 'CANARY' AND verdict = 'pass';
