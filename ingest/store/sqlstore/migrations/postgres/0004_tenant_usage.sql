-- demarc-server schema 4 (PostgreSQL): the bytes of each tenant's stored
-- report bodies, kept by SaveBatch and Prune (for a per-tenant quota),
-- counted once from the reports already stored. Batches add to one of
-- several shards of a tenant so that they do not queue on one row lock.
CREATE TABLE tenant_usage (
    tenant  TEXT NOT NULL,
    shard   INTEGER NOT NULL,
    bytes   BIGINT NOT NULL,
    PRIMARY KEY (tenant, shard)
);
INSERT INTO tenant_usage (tenant, shard, bytes)
SELECT tenant, 0, COALESCE(SUM(LENGTH(body)), 0) FROM reports GROUP BY tenant;
