package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

const tokenSelect = `SELECT id, tenant, role, name, hash, created_at, revoked_at FROM tokens`

// CreateToken stores t; an existing id is ErrConflict.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	res, err := s.w.ExecContext(ctx, s.rebind(`INSERT INTO tokens (id, tenant, role, name, hash, created_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`), t.ID, t.Tenant, string(t.Role), t.Name, t.Hash, micros(t.CreatedAt))
	return oneRow(res, err, "create token", "token "+t.ID)
}

// Token returns a token by id.
func (s *Store) Token(ctx context.Context, id string) (store.Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, s.rebind(tokenSelect+` WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("read token: %w", err)
	}
	return t, nil
}

// Tokens lists every token.
func (s *Store) Tokens(ctx context.Context) ([]store.Token, error) {
	var out []store.Token
	err := s.each(ctx, tokenSelect+` ORDER BY created_at, id`, nil, func(r *sql.Rows) error {
		t, err := scanToken(r)
		out = append(out, t)
		return err
	})
	return out, err
}

// RevokeToken marks a token revoked (keeping the first revocation time).
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	return s.updateOne(ctx, "revoke token", "token "+id, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, micros(at), id)
}

func scanToken(r scanner) (store.Token, error) {
	var t store.Token
	var role string
	var created int64
	var revoked *int64
	if err := r.Scan(&t.ID, &t.Tenant, &role, &t.Name, &t.Hash, &created, &revoked); err != nil {
		return t, err
	}
	t.Role, t.CreatedAt, t.RevokedAt = store.Role(role), fromMicros(created), optTime(revoked)
	return t, nil
}

// pruneBatch bounds the reports and the findings one prune transaction
// deletes: retention never holds the writer for long.
var pruneBatch = 5000

// Prune deletes reports received before cutoff, except each host's latest,
// and findings resolved before cutoff, in transactions of at most
// pruneBatch reports and pruneBatch findings each, and subtracts what
// each deletes from its tenants' usage and the fleet trend in the same
// transaction. It returns the rows deleted.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	us := micros(cutoff)
	var total int64
	for {
		n, more, err := s.pruneOnce(ctx, us, pruneBatch)
		total += n
		if err != nil {
			return total, err
		}
		if !more {
			return total, s.pruneOutbox(ctx, us)
		}
	}
}

// pruneOnce is one prune transaction of at most limit reports and limit
// findings; more reports whether either limit was reached. The full
// condition is repeated outside the limiting subquery so that on
// PostgreSQL a row changed since (a finding reopened) is re-checked.
func (s *Store) pruneOnce(ctx context.Context, us int64, limit int) (int64, bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("prune: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	const keep = `NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host_id = reports.host_id AND h.latest_report_id = reports.report_id)`
	freed := map[string]int64{}
	var total int64
	rows, err := tx.QueryContext(ctx, s.rebind(`DELETE FROM reports WHERE received_at < ? AND `+keep+`
AND (host_id, report_id) IN (SELECT host_id, report_id FROM reports WHERE received_at < ? AND `+keep+` LIMIT ?)
RETURNING tenant, COALESCE(LENGTH(body), 0)`), us, us, limit)
	if err != nil {
		return 0, false, fmt.Errorf("prune reports: %w", err)
	}
	for rows.Next() {
		var tenant string
		var n int64
		if err := rows.Scan(&tenant, &n); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("prune reports: %w", err)
		}
		freed[tenant] -= n
		total++
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, false, fmt.Errorf("prune reports: %w", err)
	}
	n, err := s.pruneFindings(ctx, tx, us, limit)
	if err != nil {
		return 0, false, err
	}
	if err := s.addUsage(ctx, tx, freed, 0); err != nil {
		return 0, false, err
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("prune: commit: %w", err)
	}
	return total + n, total == int64(limit) || n == int64(limit), nil
}

// pruneFindings deletes at most limit findings resolved before us in tx
// and takes them out of the fleet trend (they are no longer counted at
// any instant).
func (s *Store) pruneFindings(ctx context.Context, tx *sql.Tx, us int64, limit int) (int64, error) {
	rows, err := tx.QueryContext(ctx, s.rebind(`DELETE FROM findings WHERE resolved_at IS NOT NULL AND resolved_at < ?
AND (host_id, finding_id) IN (SELECT host_id, finding_id FROM findings WHERE resolved_at IS NOT NULL AND resolved_at < ? LIMIT ?)
RETURNING tenant, responsible, opened_at, resolved_at`), us, us, limit)
	if err != nil {
		return 0, fmt.Errorf("prune findings: %w", err)
	}
	gone := map[string]map[trendKey]int64{}
	var n int64
	for rows.Next() {
		var tenant, resp string
		var opened int64
		var resolved *int64
		if err := rows.Scan(&tenant, &resp, &opened, &resolved); err != nil {
			rows.Close()
			return 0, fmt.Errorf("prune findings: %w", err)
		}
		if gone[tenant] == nil {
			gone[tenant] = map[trendKey]int64{}
		}
		addFinding(gone[tenant], resp, opened, resolved, -1)
		n++
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("prune findings: %w", err)
	}
	d := newFleetDelta()
	for tenant, m := range gone {
		for k, c := range m {
			d.addTrend(tenant, k, c)
		}
	}
	if err := s.applyFleet(ctx, tx, d, 0); err != nil {
		return 0, err
	}
	return n, nil
}
