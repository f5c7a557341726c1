package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

// ServerState returns the named value, or ErrNotFound.
func (s *Store) ServerState(ctx context.Context, name string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, s.rebind(`SELECT value FROM server_state WHERE name = ?`), name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("server state %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read server state %s: %w", name, err)
	}
	return v, nil
}

// SetServerState stores the named value.
func (s *Store) SetServerState(ctx context.Context, name, value string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.rebind(`INSERT INTO server_state (name, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), name, value, micros(at))
	if err != nil {
		return fmt.Errorf("store server state %s: %w", name, err)
	}
	return nil
}
