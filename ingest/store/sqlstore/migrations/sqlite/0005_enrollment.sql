-- demarc-server schema 5 (SQLite): enrollment (issue 12). A tenant's enroll
-- secrets are traded for a host identity with a server-assigned host id
-- and a host key; reports are unique per host (host_id, report_id), no
-- longer across the service.
CREATE TABLE enroll_secrets (
    id          TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    hash        BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    max_uses    INTEGER,
    uses        INTEGER NOT NULL DEFAULT 0,
    revoked_at  INTEGER
);

CREATE TABLE host_identities (
    host_id          TEXT PRIMARY KEY,
    tenant           TEXT NOT NULL,
    hostname         TEXT NOT NULL,
    machine_id       TEXT NOT NULL,
    product_uuid     TEXT NOT NULL,
    os_id            TEXT NOT NULL,
    os_version_id    TEXT NOT NULL,
    enrolled_at      INTEGER NOT NULL,
    enrolled_with    TEXT NOT NULL,
    revoked_at       INTEGER,
    rotate_requested INTEGER NOT NULL DEFAULT 0
);
-- Empty machine ids never count as duplicates, so they stay out of it.
CREATE INDEX host_identities_machine ON host_identities (machine_id) WHERE machine_id <> '';

CREATE TABLE host_keys (
    key_id        TEXT PRIMARY KEY,
    host_id       TEXT NOT NULL,
    hash          BLOB NOT NULL,
    state         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX host_keys_host ON host_keys (host_id);
-- At most one current and one pending key per host.
CREATE UNIQUE INDEX host_keys_live ON host_keys (host_id, state) WHERE state IN ('current', 'pending');

-- reports: the primary key becomes (host_id, report_id). SQLite cannot
-- change a primary key in place: the table is rebuilt (new table, copy,
-- drop, rename) and its indexes, dropped with the old table, recreated.
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
    PRIMARY KEY (host_id, report_id)
);
INSERT INTO reports_new (report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary)
SELECT report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary FROM reports;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX reports_received ON reports (received_at);
CREATE INDEX reports_host_received ON reports (host_id, received_at, scanned_at, report_id);
-- ReportBody looks a report up by its id alone.
CREATE INDEX reports_report_id ON reports (report_id, received_at);
