-- demarc-server schema 14 (SQLite): a tenant's group's oldest open finding,
-- one index seek (FindingGroups for a tenant's viewer; the fleet's uses
-- findings_open_group from migration 10).
CREATE INDEX findings_open_tenant_group ON findings (tenant, product_key, cycle, kind, layer, responsible, severity, opened_at) WHERE resolved_at IS NULL;
