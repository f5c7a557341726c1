package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/demarc/demarc/ingest/store"
)

// PutLifecycle stores a lifecycle dataset version; a taken version number
// is ErrConflict.
func (s *Store) PutLifecycle(ctx context.Context, v store.LifecycleVersion) error {
	if v.Version < 1 || len(v.Gzip) == 0 || v.SHA256 == "" {
		return fmt.Errorf("put lifecycle version %d: no version number, body or hash: %w", v.Version, store.ErrInvalid)
	}
	res, err := s.w.ExecContext(ctx, s.rebind(`INSERT INTO lifecycle_versions (version, imported_at, imported_by, data_date, sha256, body)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (version) DO NOTHING`), v.Version, micros(v.ImportedAt), v.ImportedBy, v.DataDate, v.SHA256, v.Gzip)
	if err != nil {
		return fmt.Errorf("put lifecycle version %d: %w", v.Version, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("put lifecycle version %d: %w", v.Version, err)
	} else if n == 0 {
		return fmt.Errorf("lifecycle version %d: %w", v.Version, store.ErrConflict)
	}
	return nil
}

// CurrentLifecycle returns the highest version with its body.
func (s *Store) CurrentLifecycle(ctx context.Context) (store.LifecycleVersion, error) {
	var v store.LifecycleVersion
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT version, imported_at, imported_by, data_date, sha256, body FROM lifecycle_versions
ORDER BY version DESC LIMIT 1`).Scan(&v.Version, &at, &v.ImportedBy, &v.DataDate, &v.SHA256, &v.Gzip)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("lifecycle data: none imported: %w", store.ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("read lifecycle data: %w", err)
	}
	v.ImportedAt = fromMicros(at)
	return v, nil
}

// LifecycleVersions lists every version, oldest first, without bodies.
func (s *Store) LifecycleVersions(ctx context.Context) ([]store.LifecycleVersion, error) {
	var out []store.LifecycleVersion
	err := s.each(ctx, `SELECT version, imported_at, imported_by, data_date, sha256 FROM lifecycle_versions ORDER BY version`, nil,
		func(r *sql.Rows) error {
			var v store.LifecycleVersion
			var at int64
			err := r.Scan(&v.Version, &at, &v.ImportedBy, &v.DataDate, &v.SHA256)
			v.ImportedAt = fromMicros(at)
			out = append(out, v)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list lifecycle versions: %w", err)
	}
	return out, nil
}
