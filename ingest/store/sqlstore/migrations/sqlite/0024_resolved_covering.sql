-- demarc-server schema 24 (SQLite): the resolutions of a span counted from
-- one index (issue 14). The SLA report counts the provider's findings
-- resolved in a month by severity, and how many within their target;
-- findings_resolved held resolved_at alone, so each resolution in the span
-- read its finding's row for the party, severity, tenant and opening (at
-- 100k hosts, 36,000 resolved findings, 11,800 of them the provider's:
-- 160-220 ms, the /sla page past 300 ms).
-- With those columns in the index the count reads index entries alone
-- (6 ms there). A finding writes the entry once, when it is resolved, at
-- the index's newest end; prune deletes it with the row, as before.
DROP INDEX findings_resolved;
CREATE INDEX findings_resolved ON findings (resolved_at, responsible, severity, tenant, opened_at) WHERE resolved_at IS NOT NULL;
