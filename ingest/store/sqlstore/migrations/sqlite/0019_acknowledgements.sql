-- demarc-server schema 19 (SQLite): acknowledgements (issue 18, accept risk). One
-- row per acknowledgement: of one finding (host_id and finding_id set) or
-- of a group (host_id '': product_key and cycle across hosts, within
-- tenant unless tenant is ''). It applies from created_at until
-- expires_at unless withdrawn: the readers compare with their clock, no
-- job expires it. Every creation and withdrawal is a row of
-- acknowledgement_log, which is never updated.
CREATE TABLE acknowledgements (
    id           TEXT PRIMARY KEY,
    tenant       TEXT NOT NULL,
    host_id      TEXT NOT NULL,
    finding_id   TEXT NOT NULL,
    product      TEXT NOT NULL,
    product_key  TEXT NOT NULL,
    cycle        TEXT NOT NULL,
    responsible  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    withdrawn_by TEXT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX acknowledgements_live ON acknowledgements (expires_at) WHERE withdrawn_at IS NULL;
CREATE TABLE acknowledgement_log (
    seq          INTEGER PRIMARY KEY,
    ack_id       TEXT NOT NULL,
    tenant       TEXT NOT NULL,
    action       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    at           BIGINT NOT NULL,
    target       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX acknowledgement_log_tenant ON acknowledgement_log (tenant, seq);
