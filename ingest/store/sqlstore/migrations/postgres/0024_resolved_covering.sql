-- demarc-server schema 24 (PostgreSQL; this dialect has no 23, SQLite's
-- rebuild of the reports table): the resolutions of a span counted from
-- one index (issue 14), as on SQLite. The SLA report counts the provider's
-- findings resolved in a month by severity, and how many within their
-- target, and OpenOlder at a past instant counts those resolved since;
-- findings_resolved held resolved_at alone, so each resolution in the span
-- fetched its finding's row for the party, severity, tenant and opening.
-- With those columns included the counts are index-only scans: a resolved
-- finding's row changes again only when it reopens (and leaves the index)
-- or prune deletes it, so its heap page is all-visible once vacuumed and
-- the scan reads the index alone.
-- The build reads the findings table once and blocks writes to it
-- meanwhile (docs/SERVER.md); the old index is dropped after it, so reads
-- wait only for the drop at the end, not for the build.
CREATE INDEX findings_resolved_new ON findings (resolved_at) INCLUDE (responsible, severity, tenant, opened_at) WHERE resolved_at IS NOT NULL;
DROP INDEX findings_resolved;
ALTER INDEX findings_resolved_new RENAME TO findings_resolved;
