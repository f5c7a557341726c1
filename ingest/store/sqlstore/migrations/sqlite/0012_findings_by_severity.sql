-- demarc-server schema 12 (SQLite): open findings by severity (issue 14).
-- The findings page lists the most severe first; without an index in
-- that order every page sorted all open findings.
CREATE INDEX findings_open_sev ON findings (sev_rank, opened_at, host_id, finding_id) WHERE resolved_at IS NULL;
-- A tenant's viewer lists its own the same way.
CREATE INDEX findings_open_tenant_sev ON findings (tenant, sev_rank, opened_at, host_id, finding_id) WHERE resolved_at IS NULL;
