-- demarc-server schema 9 (SQLite): why a finding last moved when no report
-- moved it (issue 13, re-judging). When the server judges a host's latest
-- report anew (its record, the matrix or the lifecycle data changed), each
-- finding the new verdict opens, resolves, leaves unverified or changes
-- keeps the reason ("tier changed to iaas by alice") and when it was
-- given. NULL: the host's own report moved it last. Existing rows need no
-- change.
ALTER TABLE findings ADD COLUMN reason TEXT;
ALTER TABLE findings ADD COLUMN reason_at INTEGER;
