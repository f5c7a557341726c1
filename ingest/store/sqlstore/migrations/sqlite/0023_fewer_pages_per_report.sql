-- demarc-server schema 23 (SQLite): fewer B-tree pages written per report
-- (issue 14). At 100k hosts nearly every page a report changes is a
-- different one, and each costs a WAL frame (two writes), a checkpoint
-- copy, and a read when the writer's cache does not hold it.
--
-- reports: the key becomes (report_id, host_id). The same pair is unique
-- as before (the upsert's conflict target names the columns, in any
-- order), and the key now also serves the look-up by report id alone,
-- so reports_report_id goes: one index leaf fewer per report. SQLite
-- cannot change a primary key in place: the table is rebuilt with its
-- rowids (the order reports arrived) and its other indexes recreated.
--
-- host_updates and host_update_refs: WITHOUT ROWID, keyed as before. A
-- host's pending packages are one range of the key, read without a look-up
-- by rowid for each row, and a row changes one B-tree where it changed
-- the table and the key's index. Their rows are small (about 90 and 60
-- bytes), as WITHOUT ROWID tables want.
--
-- The rebuild copies the reports table, bodies included: on a large
-- database it takes a while (10 s for 105,000 reports and 800,000 pending
-- packages, 20k hosts, on the 2-core bench machine); docs/SERVER.md.
CREATE TABLE reports_new (
    report_id    TEXT NOT NULL,
    tenant       TEXT NOT NULL,
    host_id      TEXT NOT NULL,
    scanned_at   INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    sha256       BLOB NOT NULL,
    body         BLOB,
    findings     INTEGER NOT NULL,
    summary      TEXT NOT NULL,
    PRIMARY KEY (report_id, host_id)
);
INSERT INTO reports_new (rowid, report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary)
SELECT rowid, report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary FROM reports ORDER BY rowid;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX reports_received ON reports (received_at);
CREATE INDEX reports_host_received ON reports (host_id, received_at, scanned_at, report_id);
CREATE TABLE host_updates_new (
    host_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    arch       TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    installed  TEXT NOT NULL,
    candidate  TEXT NOT NULL,
    sec_rank   INTEGER NOT NULL,
    origin     TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    severity   TEXT NOT NULL DEFAULT '',
    advisories TEXT NOT NULL DEFAULT '',
    cves       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (host_id, name, arch)
) WITHOUT ROWID;
INSERT INTO host_updates_new (host_id, name, arch, tenant, installed, candidate, sec_rank, origin, first_seen, severity, advisories, cves)
SELECT host_id, name, arch, tenant, installed, candidate, sec_rank, origin, first_seen, severity, advisories, cves FROM host_updates ORDER BY host_id, name, arch;
DROP TABLE host_updates;
ALTER TABLE host_updates_new RENAME TO host_updates;
CREATE INDEX host_updates_name ON host_updates (name, sec_rank, first_seen, host_id, arch);
CREATE INDEX host_updates_tenant_name ON host_updates (tenant, name, sec_rank, first_seen, host_id, arch);
CREATE TABLE host_update_refs_new (
    host_id TEXT NOT NULL,
    name    TEXT NOT NULL,
    arch    TEXT NOT NULL,
    ref     TEXT NOT NULL,
    tenant  TEXT NOT NULL,
    PRIMARY KEY (host_id, name, arch, ref)
) WITHOUT ROWID;
INSERT INTO host_update_refs_new (host_id, name, arch, ref, tenant)
SELECT host_id, name, arch, ref, tenant FROM host_update_refs ORDER BY host_id, name, arch, ref;
DROP TABLE host_update_refs;
ALTER TABLE host_update_refs_new RENAME TO host_update_refs;
CREATE INDEX host_update_refs_ref ON host_update_refs (ref, host_id, name, arch);
CREATE INDEX host_update_refs_tenant ON host_update_refs (tenant, ref, host_id, name, arch);
