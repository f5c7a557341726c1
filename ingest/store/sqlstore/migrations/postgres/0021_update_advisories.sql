-- demarc-server schema 21 (PostgreSQL): what a pending package fixes, and the fleet's
-- pending packages by name (issue 16). host_updates gains the highest
-- advisory severity and the advisories and CVE ids of each pending
-- package (space-separated, as the report lists them). host_update_refs
-- holds one row per pending package and advisory or CVE id, so that "which
-- hosts still miss the fix for RHSA-2024:1234 / CVE-2024-5535" is an index
-- range, not a scan. fleet_updates counts, per tenant and package name,
-- the hosts on which it is pending and those on which it is a security
-- update, in shards like the other fleet aggregates: the fleet's ranking
-- of pending packages reads O(tenants x packages) rows, never
-- host_updates. Rows stored before this migration get their advisories
-- with the next report that lists them.
ALTER TABLE host_updates ADD COLUMN severity TEXT NOT NULL DEFAULT '';
ALTER TABLE host_updates ADD COLUMN advisories TEXT NOT NULL DEFAULT '';
ALTER TABLE host_updates ADD COLUMN cves TEXT NOT NULL DEFAULT '';
CREATE TABLE host_update_refs (
    host_id TEXT NOT NULL,
    name    TEXT NOT NULL,
    arch    TEXT NOT NULL,
    ref     TEXT NOT NULL,
    tenant  TEXT NOT NULL,
    PRIMARY KEY (host_id, name, arch, ref)
);
CREATE INDEX host_update_refs_ref ON host_update_refs (ref, host_id, name, arch);
CREATE INDEX host_update_refs_tenant ON host_update_refs (tenant, ref, host_id, name, arch);
CREATE TABLE fleet_updates (
    tenant         TEXT NOT NULL,
    name           TEXT NOT NULL,
    shard          INTEGER NOT NULL,
    hosts          BIGINT NOT NULL,
    security_hosts BIGINT NOT NULL,
    PRIMARY KEY (tenant, name, shard)
);
INSERT INTO fleet_updates (tenant, name, shard, hosts, security_hosts)
SELECT tenant, name, 0, COUNT(DISTINCT host_id), COUNT(DISTINCT CASE WHEN sec_rank = 0 THEN host_id END)
FROM host_updates GROUP BY tenant, name;
