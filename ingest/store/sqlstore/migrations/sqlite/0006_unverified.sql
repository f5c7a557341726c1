-- demarc-server schema 6 (SQLite): a failed check is not a fix (issue 13). An open
-- finding absent from a new latest report whose collector did not run
-- cleanly stays open, unverified since that report's scan time (NULL:
-- verified). A host keeps the collectors of its latest report that did not
-- run cleanly (JSON; '' when all did) and how many of its open findings are
-- unverified. Existing rows need no change: they are verified, and the next
-- report received sets the host's columns.
ALTER TABLE findings ADD COLUMN unverified_since INTEGER;
ALTER TABLE hosts ADD COLUMN collector_failures TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN unverified INTEGER NOT NULL DEFAULT 0;
CREATE INDEX hosts_failing ON hosts (hostname, host_id) WHERE collector_failures <> '';
