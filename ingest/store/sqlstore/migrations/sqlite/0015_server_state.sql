-- demarc-server schema 15 (SQLite): small named values the servers sharing
-- a database keep between runs. The first is the judge basis (issue 13):
-- the fingerprints of the responsibility matrix, the lifecycle data and the
-- policy the fleet was last judged with, so that a server started with
-- another matrix file re-judges every host.
CREATE TABLE server_state (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
