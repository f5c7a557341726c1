-- demarc-server schema 2 (SQLite): web UI sessions. id is the SHA-256 of
-- the secret in the browser's cookie; tenant and role come from the token.
CREATE TABLE sessions (
    id          BLOB PRIMARY KEY,
    token_id    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
