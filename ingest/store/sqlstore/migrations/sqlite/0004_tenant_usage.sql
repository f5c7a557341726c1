-- demarc-server schema 4 (SQLite): the bytes of each tenant's stored
-- report bodies, kept by SaveBatch and Prune (for a per-tenant quota),
-- counted once from the reports already stored.
CREATE TABLE tenant_usage (
    tenant  TEXT NOT NULL,
    shard   INTEGER NOT NULL,
    bytes   INTEGER NOT NULL,
    PRIMARY KEY (tenant, shard)
);
INSERT INTO tenant_usage (tenant, shard, bytes)
SELECT tenant, 0, COALESCE(SUM(LENGTH(body)), 0) FROM reports GROUP BY tenant;
