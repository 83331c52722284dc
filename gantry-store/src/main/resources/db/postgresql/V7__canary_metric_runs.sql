-- Canaries (issue #5): what the gate before a higher weight and before completion needs from the projection.
-- passed_weight: the weight in force when the background analysis last passed (-1: none in this canary); a
-- weight may be raised, and a canary completed, only after a pass at the weight in force.
ALTER TABLE deployment ADD COLUMN passed_weight BIGINT NOT NULL DEFAULT -1;

-- Each metric spends its share of the significance over the runs that tested it: the latency warm-up's runs test
-- only the error rate and must not use up latency's budget.
ALTER TABLE deployment ADD COLUMN error_tested_runs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deployment ADD COLUMN latency_tested_runs BIGINT NOT NULL DEFAULT 0;

-- Rows written before this migration, so that they equal a replay of the ledger with the new projector: a phase
-- change now clears inconclusive_since (and passed_weight), so no deployment outside the canary phase has one.
-- A canary in flight during the upgrade counts a pass at its weight if its latest verdict passed; its gate columns
-- may differ from a replay (which `gantry audit verify` reports) until it ends: upgrade with no canary running.
UPDATE deployment SET inconclusive_since = NULL WHERE phase <> 'CANARY';
UPDATE deployment SET passed_weight = weight WHERE phase = 'CANARY' AND verdict = 'pass';
-- The error rate is tested in every run with data enough (tested = 1); latency where its verdict (the last metric
-- of a run's canonical JSON, keys sorted) is pass or fail.
UPDATE deployment SET error_tested_runs = tested_runs;
UPDATE deployment SET latency_tested_runs = (SELECT COUNT(*) FROM analysis_run a WHERE a.deployment = deployment.id
  AND (a.metrics LIKE '%"name":"latency"%"verdict":"pass"%' OR a.metrics LIKE '%"name":"latency"%"verdict":"fail"%'));
