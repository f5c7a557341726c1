-- demarc-server schema 5 (PostgreSQL): enrollment (issue 12). A tenant's
-- enroll secrets are traded for a host identity with a server-assigned host
-- id and a host key; reports are unique per host (host_id, report_id), no
-- longer across the service.
CREATE TABLE enroll_secrets (
    id          TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    hash        BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    max_uses    BIGINT,
    uses        BIGINT NOT NULL DEFAULT 0,
    revoked_at  BIGINT
);

CREATE TABLE host_identities (
    host_id          TEXT PRIMARY KEY,
    tenant           TEXT NOT NULL,
    hostname         TEXT NOT NULL,
    machine_id       TEXT NOT NULL,
    product_uuid     TEXT NOT NULL,
    os_id            TEXT NOT NULL,
    os_version_id    TEXT NOT NULL,
    enrolled_at      BIGINT NOT NULL,
    enrolled_with    TEXT NOT NULL,
    revoked_at       BIGINT,
    rotate_requested BOOLEAN NOT NULL DEFAULT FALSE
);
-- Empty machine ids never count as duplicates, so they stay out of it.
CREATE INDEX host_identities_machine ON host_identities (machine_id) WHERE machine_id <> '';

CREATE TABLE host_keys (
    key_id        TEXT PRIMARY KEY,
    host_id       TEXT NOT NULL,
    hash          BYTEA NOT NULL,
    state         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX host_keys_host ON host_keys (host_id);
-- At most one current and one pending key per host.
CREATE UNIQUE INDEX host_keys_live ON host_keys (host_id, state) WHERE state IN ('current', 'pending');

-- reports: the primary key becomes (host_id, report_id); ReportBody looks
-- a report up by its id alone.
ALTER TABLE reports DROP CONSTRAINT reports_pkey;
ALTER TABLE reports ADD PRIMARY KEY (host_id, report_id);
CREATE INDEX reports_report_id ON reports (report_id, received_at);
