-- demarc-server schema 10 (PostgreSQL): fleet aggregates (issue 14). The fleet
-- views (overview, GET /api/v1/summary, /metrics, facets, finding groups)
-- read these instead of every open finding. SaveBatch and Rejudge keep
-- them in their own transactions: a host's share (its row and its open
-- findings by group) is taken away before it changes and added back after.
-- Writers add to one shard of a row (like tenant_usage) so that concurrent
-- batches do not queue on one row lock; readers sum the shards. Rows whose
-- counts fall to zero stay (readers skip them). Counted once here from
-- what is stored.
CREATE TABLE fleet_hosts (
    tenant          TEXT NOT NULL,
    tier            TEXT NOT NULL,
    os_id           TEXT NOT NULL,
    os_version_id   TEXT NOT NULL,
    shard           INTEGER NOT NULL,
    os_name         TEXT NOT NULL,
    os_pretty_name  TEXT NOT NULL,
    hosts           BIGINT NOT NULL,
    -- failing: hosts whose latest report has collectors that did not run
    -- cleanly; os_eol: hosts with an open eol finding on their OS.
    failing         BIGINT NOT NULL,
    os_eol          BIGINT NOT NULL,
    PRIMARY KEY (tenant, tier, os_id, os_version_id, shard)
);
INSERT INTO fleet_hosts (tenant, tier, os_id, os_version_id, shard, os_name, os_pretty_name, hosts, failing, os_eol)
SELECT h.tenant, h.tier, h.os_id, h.os_version_id, 0, MAX(h.os_name), MAX(h.os_pretty_name), COUNT(*),
SUM(CASE WHEN h.collector_failures <> '' THEN 1 ELSE 0 END),
SUM(CASE WHEN EXISTS (SELECT 1 FROM findings f WHERE f.host_id = h.host_id AND f.resolved_at IS NULL
AND f.kind = 'eol' AND f.layer = 'operating_system') THEN 1 ELSE 0 END)
FROM hosts h GROUP BY h.tenant, h.tier, h.os_id, h.os_version_id;

-- Open findings by tenant, host tier and group (party, severity, kind,
-- layer, product compared case-insensitively, release cycle): how many,
-- and on how many hosts.
CREATE TABLE fleet_findings (
    tenant       TEXT NOT NULL,
    tier         TEXT NOT NULL,
    responsible  TEXT NOT NULL,
    severity     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    layer        TEXT NOT NULL,
    product_key  TEXT NOT NULL,
    cycle        TEXT NOT NULL,
    shard        INTEGER NOT NULL,
    sev_rank     INTEGER NOT NULL,
    product      TEXT NOT NULL,
    findings     BIGINT NOT NULL,
    hosts        BIGINT NOT NULL,
    PRIMARY KEY (tenant, tier, responsible, severity, kind, layer, product_key, cycle, shard)
);
INSERT INTO fleet_findings (tenant, tier, responsible, severity, kind, layer, product_key, cycle, shard, sev_rank, product, findings, hosts)
SELECT f.tenant, h.tier, f.responsible, f.severity, f.kind, f.layer, f.product_key, f.cycle, 0, MIN(f.sev_rank), MIN(f.product),
COUNT(*), COUNT(DISTINCT f.host_id)
FROM findings f JOIN hosts h ON h.host_id = f.host_id WHERE f.resolved_at IS NULL
GROUP BY f.tenant, h.tier, f.responsible, f.severity, f.kind, f.layer, f.product_key, f.cycle;

-- A group's oldest open finding, one index seek (FindingGroups).
CREATE INDEX findings_open_group ON findings (product_key, cycle, kind, layer, responsible, severity, opened_at) WHERE resolved_at IS NULL;
