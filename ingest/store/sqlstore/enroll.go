package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

const secretSelect = `SELECT id, tenant, name, hash, created_at, expires_at, max_uses, uses, revoked_at FROM enroll_secrets`

// CreateEnrollSecret stores an enroll secret; an existing id is ErrConflict.
func (s *Store) CreateEnrollSecret(ctx context.Context, e store.EnrollSecret) error {
	var maxUses *int64
	if e.MaxUses != nil {
		n := int64(*e.MaxUses)
		maxUses = &n
	}
	res, err := s.w.ExecContext(ctx, s.rebind(`INSERT INTO enroll_secrets (id, tenant, name, hash, created_at, expires_at, max_uses, uses, revoked_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		e.ID, e.Tenant, e.Name, e.Hash, micros(e.CreatedAt), optMicros(e.ExpiresAt), maxUses, e.Uses, optMicros(e.RevokedAt))
	if err != nil {
		return fmt.Errorf("create enroll secret: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create enroll secret: %w", err)
	} else if n == 0 {
		return fmt.Errorf("enroll secret %s: %w", e.ID, store.ErrConflict)
	}
	return nil
}

// EnrollSecret returns an enroll secret by id.
func (s *Store) EnrollSecret(ctx context.Context, id string) (store.EnrollSecret, error) {
	e, err := scanSecret(s.r.QueryRowContext(ctx, s.rebind(secretSelect+` WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("enroll secret %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("read enroll secret: %w", err)
	}
	return e, nil
}

// EnrollSecrets lists every enroll secret, oldest first.
func (s *Store) EnrollSecrets(ctx context.Context) ([]store.EnrollSecret, error) {
	var out []store.EnrollSecret
	err := s.each(ctx, secretSelect+` ORDER BY created_at, id`, nil, func(r *sql.Rows) error {
		e, err := scanSecret(r)
		out = append(out, e)
		return err
	})
	return out, err
}

// RevokeEnrollSecret marks a secret revoked (keeping the first revocation
// time).
func (s *Store) RevokeEnrollSecret(ctx context.Context, id string, at time.Time) error {
	return s.updateOne(ctx, "revoke enroll secret", "enroll secret "+id,
		`UPDATE enroll_secrets SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, micros(at), id)
}

// Enroll consumes one use of the secret (or checks the legacy token) and
// creates the identity and its current key, in one transaction. The use is
// taken by one conditional UPDATE, so concurrent enrollments never exceed
// max_uses: on PostgreSQL the second waits for the first's commit and
// re-checks the condition against the row it committed.
func (s *Store) Enroll(ctx context.Context, e store.Enrollment) error {
	id := e.Identity
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("enroll: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if err := s.useCredential(ctx, tx, e); err != nil {
		return err
	}
	with := e.SecretID
	if with == "" {
		with = e.TokenID
	}
	res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO host_identities (host_id, tenant, hostname, machine_id, product_uuid,
os_id, os_version_id, enrolled_at, enrolled_with, revoked_at, rotate_requested)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (host_id) DO NOTHING`),
		id.HostID, id.Tenant, id.Hostname, id.MachineID, id.ProductUUID, id.OSID, id.OSVersionID,
		micros(id.EnrolledAt), with, false)
	if err := oneRow(res, err, "enroll: create identity", "host "+id.HostID); err != nil {
		return err
	}
	res, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO host_keys (key_id, host_id, hash, state, created_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING`),
		e.Key.ID, id.HostID, e.Key.Hash, string(store.KeyCurrent), micros(e.Key.CreatedAt))
	if err := oneRow(res, err, "enroll: create key", "host key "+e.Key.ID); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("enroll: commit: %w", err)
	}
	return nil
}

// useCredential takes one use of the enrollment's secret, or checks its
// legacy agent token, in tx: ErrNotFound when it may not enroll a host of
// the identity's tenant at its enrollment time.
func (s *Store) useCredential(ctx context.Context, tx *sql.Tx, e store.Enrollment) error {
	tenant, at := e.Identity.Tenant, micros(e.Identity.EnrolledAt)
	if e.SecretID != "" {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE enroll_secrets SET uses = uses + 1
WHERE id = ? AND tenant = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
AND (max_uses IS NULL OR uses < max_uses)`), e.SecretID, tenant, at)
		if err != nil {
			return fmt.Errorf("enroll: use secret: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("enroll: use secret: %w", err)
		} else if n == 0 {
			return fmt.Errorf("enroll secret %s: %w", e.SecretID, store.ErrNotFound)
		}
		return nil
	}
	if e.TokenID == "" {
		return fmt.Errorf("enroll: neither a secret nor a token: %w", store.ErrInvalid)
	}
	var n int
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM tokens WHERE id = ? AND tenant = ? AND role = ? AND revoked_at IS NULL`),
		e.TokenID, tenant, string(store.RoleAgent)).Scan(&n)
	if err != nil {
		return fmt.Errorf("enroll: read token: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("agent token %s: %w", e.TokenID, store.ErrNotFound)
	}
	return nil
}

// RevokeHost marks a host identity revoked (keeping the first revocation
// time).
func (s *Store) RevokeHost(ctx context.Context, hostID string, at time.Time) error {
	return s.updateOne(ctx, "revoke host", "host "+hostID,
		`UPDATE host_identities SET revoked_at = COALESCE(revoked_at, ?) WHERE host_id = ?`, micros(at), hostID)
}

// RequestRotation sets a host identity's rotate_requested.
func (s *Store) RequestRotation(ctx context.Context, hostID string) error {
	return s.updateOne(ctx, "request rotation", "host "+hostID,
		`UPDATE host_identities SET rotate_requested = ? WHERE host_id = ?`, true, hostID)
}

// updateOne runs an UPDATE of one row by id on the writer: ErrNotFound
// (naming what) when no row has the id.
func (s *Store) updateOne(ctx context.Context, op, what, q string, args ...any) error {
	res, err := s.w.ExecContext(ctx, s.rebind(q), args...)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	} else if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

// oneRow checks that an INSERT … ON CONFLICT DO NOTHING inserted its row:
// ErrConflict (naming what) when the id was taken.
func oneRow(res sql.Result, err error, op, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	} else if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrConflict)
	}
	return nil
}

func scanSecret(r scanner) (store.EnrollSecret, error) {
	var e store.EnrollSecret
	var created int64
	var expires, maxUses, revoked *int64
	if err := r.Scan(&e.ID, &e.Tenant, &e.Name, &e.Hash, &created, &expires, &maxUses, &e.Uses, &revoked); err != nil {
		return e, err
	}
	e.CreatedAt, e.ExpiresAt, e.RevokedAt = fromMicros(created), optTime(expires), optTime(revoked)
	if maxUses != nil {
		n := int(*maxUses)
		e.MaxUses = &n
	}
	return e, nil
}

// optMicros is t as unix microseconds, nil for nil.
func optMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// optTime is the time of nullable unix microseconds.
func optTime(us *int64) *time.Time {
	if us == nil {
		return nil
	}
	t := fromMicros(*us)
	return &t
}
