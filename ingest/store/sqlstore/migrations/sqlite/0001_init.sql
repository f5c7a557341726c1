-- demarc-server schema 1 (SQLite). Times are unix microseconds (UTC).
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    role        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    hash        BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE reports (
    report_id    TEXT PRIMARY KEY,
    tenant       TEXT NOT NULL,
    host_id      TEXT NOT NULL,
    scanned_at   INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    sha256       BLOB NOT NULL,
    body         BLOB,
    findings     INTEGER NOT NULL,
    summary      TEXT NOT NULL
);
CREATE INDEX reports_host ON reports (host_id, scanned_at, report_id);
CREATE INDEX reports_received ON reports (received_at);

CREATE TABLE hosts (
    host_id          TEXT PRIMARY KEY,
    tenant           TEXT NOT NULL,
    hostname         TEXT NOT NULL,
    os_id            TEXT NOT NULL,
    os_version_id    TEXT NOT NULL,
    os_name          TEXT NOT NULL,
    os_pretty_name   TEXT NOT NULL,
    os_family        TEXT NOT NULL,
    kernel_release   TEXT NOT NULL,
    arch             TEXT NOT NULL,
    virt_system      TEXT NOT NULL,
    virt_role        TEXT NOT NULL,
    provider         TEXT NOT NULL,
    tier             TEXT NOT NULL,
    maintenance      INTEGER NOT NULL,
    customer_virt    INTEGER NOT NULL,
    agent_version    TEXT NOT NULL,
    latest_report_id TEXT NOT NULL,
    scanned_at       INTEGER NOT NULL,
    first_seen       INTEGER NOT NULL,
    received_at      INTEGER NOT NULL,
    p_critical INTEGER NOT NULL, p_high INTEGER NOT NULL, p_medium INTEGER NOT NULL,
    p_low INTEGER NOT NULL, p_info INTEGER NOT NULL,
    c_critical INTEGER NOT NULL, c_high INTEGER NOT NULL, c_medium INTEGER NOT NULL,
    c_low INTEGER NOT NULL, c_info INTEGER NOT NULL,
    provider_weight  INTEGER NOT NULL,
    -- findings_digest fingerprints the latest report's findings: when a
    -- new report's digest matches, its findings need no read and no write.
    findings_digest  INTEGER NOT NULL
);
CREATE INDEX hosts_tenant_hostname ON hosts (tenant, hostname, host_id);
CREATE INDEX hosts_hostname ON hosts (hostname, host_id);
CREATE INDEX hosts_scanned ON hosts (scanned_at, host_id);

CREATE TABLE findings (
    host_id      TEXT NOT NULL,
    finding_id   TEXT NOT NULL,
    tenant       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    layer        TEXT NOT NULL,
    product      TEXT NOT NULL,
    product_key  TEXT NOT NULL,
    installed    TEXT NOT NULL,
    latest       TEXT NOT NULL,
    cycle        TEXT NOT NULL,
    eol_date     TEXT NOT NULL,
    severity     TEXT NOT NULL,
    sev_rank     INTEGER NOT NULL,
    responsible  TEXT NOT NULL,
    rule         TEXT NOT NULL,
    rationale    TEXT NOT NULL,
    remediation  TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    blocked_by   TEXT NOT NULL,
    content_hash INTEGER NOT NULL,
    first_seen   INTEGER NOT NULL,
    opened_at    INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    resolved_at  INTEGER,
    -- A rowid table: rows are appended (a host's findings stay together)
    -- and only the small primary-key index takes random inserts.
    PRIMARY KEY (host_id, finding_id)
);
CREATE INDEX findings_open ON findings (tenant, opened_at, host_id, finding_id) WHERE resolved_at IS NULL;
CREATE INDEX findings_open_all ON findings (opened_at, host_id, finding_id) WHERE resolved_at IS NULL;
CREATE INDEX findings_resolved ON findings (resolved_at) WHERE resolved_at IS NOT NULL;
