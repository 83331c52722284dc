-- The version directory (issue #6): when each client last addressed a version BY VERSION (Gantry-Version header,
-- /SERVICE/vN path, vN.HOST host) rather than through the default address. Only these keep a version that is not
-- the default alive; last_seen (any address) is shown, and no longer decides.
-- NULL: the client never addressed the version by version, as far as the ledger says.
ALTER TABLE version_client ADD COLUMN explicit_last_seen TEXT;

-- Rows written before this migration come from version.clients-seen entries without explicitLastSeen, which the
-- projector reads as explicit (as they counted when written): a replay of the ledger gives these same rows.
UPDATE version_client SET explicit_last_seen = last_seen;
