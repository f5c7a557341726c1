-- demarc-server schema 7 (PostgreSQL): lifecycle data imported with
-- demarc-server lifecycle import (issue 13). Every version is kept; the
-- highest is current and served at GET /api/v1/lifecycle.
CREATE TABLE lifecycle_versions (
    version      BIGINT PRIMARY KEY,
    imported_at  BIGINT NOT NULL,
    imported_by  TEXT NOT NULL,
    data_date    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    body         BYTEA NOT NULL
);
