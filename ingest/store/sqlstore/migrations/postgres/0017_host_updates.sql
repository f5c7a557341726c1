-- demarc-server schema 17 (PostgreSQL): the package updates pending on each
-- host in its latest state (issue 16), so a provider can ask which hosts
-- still wait for an openssl fix and since when. A row is a package
-- (name, arch) pending on a host; first_seen is the scan time of the first
-- report of the current pending stretch (kept while the package stays
-- pending, whatever its candidate; a package that leaves the list and
-- comes back starts a new stretch). sec_rank is 0 for a security update,
-- 1 otherwise (security first in every list). updates_digest fingerprints
-- the latest stored list: a report with the same list writes no row.
-- Hosts stored before this migration get their list with their next
-- report.
ALTER TABLE hosts ADD COLUMN updates_digest BIGINT NOT NULL DEFAULT 0;
CREATE TABLE host_updates (
    host_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    arch       TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    installed  TEXT NOT NULL,
    candidate  TEXT NOT NULL,
    sec_rank   BIGINT NOT NULL,
    origin     TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    PRIMARY KEY (host_id, name, arch)
);
CREATE INDEX host_updates_name ON host_updates (name, sec_rank, first_seen, host_id, arch);
CREATE INDEX host_updates_tenant_name ON host_updates (tenant, name, sec_rank, first_seen, host_id, arch);
