package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

// CreateSession stores a web session; an existing id is ErrConflict.
func (s *Store) CreateSession(ctx context.Context, se store.Session) error {
	res, err := s.w.ExecContext(ctx, s.rebind(`INSERT INTO sessions (id, token_id, created_at, expires_at)
VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`), se.ID, se.TokenID, micros(se.CreatedAt), micros(se.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create session: %w", err)
	} else if n == 0 {
		return fmt.Errorf("session: %w", store.ErrConflict)
	}
	return nil
}

// Session returns a session by id.
func (s *Store) Session(ctx context.Context, id []byte) (store.Session, error) {
	se := store.Session{}
	var created, expires int64
	err := s.r.QueryRowContext(ctx, s.rebind(`SELECT id, token_id, created_at, expires_at FROM sessions WHERE id = ?`), id).
		Scan(&se.ID, &se.TokenID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return se, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return se, fmt.Errorf("read session: %w", err)
	}
	se.CreatedAt, se.ExpiresAt = fromMicros(created), fromMicros(expires)
	return se, nil
}

// DeleteSession deletes a session.
func (s *Store) DeleteSession(ctx context.Context, id []byte) error {
	if _, err := s.w.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE id = ?`), id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions that expired before now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE expires_at < ?`), micros(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}
