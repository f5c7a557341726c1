-- demarc-server schema 2 (PostgreSQL): web UI sessions. id is the SHA-256
-- of the secret in the browser's cookie; tenant and role come from the token.
CREATE TABLE sessions (
    id          BYTEA PRIMARY KEY,
    token_id    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
