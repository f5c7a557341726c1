-- demarc-server schema 8 (SQLite): the provider's host records (issue 13)
-- and their audit log. A record is bound to a host (host_id) or, until a
-- matching host shows up, names it by machine id or hostname in its tenant.
CREATE TABLE host_records (
    record_id    TEXT PRIMARY KEY,
    tenant       TEXT NOT NULL,
    host_id      TEXT NOT NULL DEFAULT '',
    hostname     TEXT NOT NULL DEFAULT '',
    machine_id   TEXT NOT NULL DEFAULT '',
    tier         TEXT NOT NULL,
    -- NULL: the tier's default.
    maintenance  INTEGER,
    customer_virt INTEGER NOT NULL DEFAULT 0,
    customer     TEXT NOT NULL DEFAULT '',
    contract     TEXT NOT NULL DEFAULT '',
    data_centre  TEXT NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT NOT NULL
);
-- One record per host; unbound records are unique per key in their tenant,
-- so that a host arriving matches at most one of them.
CREATE UNIQUE INDEX host_records_host ON host_records (host_id) WHERE host_id <> '';
CREATE UNIQUE INDEX host_records_unbound_machine ON host_records (tenant, machine_id) WHERE host_id = '' AND machine_id <> '';
CREATE UNIQUE INDEX host_records_unbound_hostname ON host_records (tenant, hostname) WHERE host_id = '' AND hostname <> '';
CREATE INDEX host_records_machine ON host_records (tenant, machine_id, host_id);
CREATE INDEX host_records_hostname ON host_records (tenant, hostname, host_id);

CREATE TABLE host_record_changes (
    change_id  INTEGER PRIMARY KEY,
    record_id  TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    host_id    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    by_whom    TEXT NOT NULL,
    field      TEXT NOT NULL,
    old_value  TEXT NOT NULL,
    new_value  TEXT NOT NULL,
    created    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX host_record_changes_record ON host_record_changes (record_id, change_id);
CREATE INDEX host_record_changes_at ON host_record_changes (at);
-- Import matches hostnames of enrolled hosts in lower case.
CREATE INDEX host_identities_tenant_hostname ON host_identities (tenant, hostname);
