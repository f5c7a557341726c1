package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

const ackSelect = `SELECT id, tenant, host_id, finding_id, product, cycle, responsible, reason, created_by, created_at, expires_at, withdrawn_by, withdrawn_at FROM acknowledgements`

const insertAckLog = `INSERT INTO acknowledgement_log (ack_id, tenant, action, actor, at, target, reason, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// CreateAck stores a and logs its creation in one transaction.
func (s *Store) CreateAck(ctx context.Context, a store.Ack) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create acknowledgement: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO acknowledgements (id, tenant, host_id, finding_id, product, product_key, cycle, responsible, reason, created_by, created_at, expires_at, withdrawn_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '') ON CONFLICT (id) DO NOTHING`),
		a.ID, a.Tenant, a.HostID, a.FindingID, a.Product, strings.ToLower(a.Product), a.Cycle, string(a.Responsible), a.Reason, a.By, micros(a.CreatedAt), micros(a.ExpiresAt))
	if err := oneRow(res, err, "create acknowledgement", "acknowledgement "+a.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind(insertAckLog), a.ID, a.Tenant, store.AckCreated, a.By, micros(a.CreatedAt), a.Target(), a.Reason, micros(a.ExpiresAt)); err != nil {
		return fmt.Errorf("log acknowledgement: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create acknowledgement: commit: %w", err)
	}
	return nil
}

// ackScope is the condition of the acknowledgements a scope sees: its
// tenant's and the fleet-wide groups.
func ackScope(sc store.Scope) (string, []any) {
	if sc.All() {
		return "1=1", nil
	}
	return "(tenant = ? OR (tenant = '' AND host_id = ''))", []any{sc.Tenant()}
}

// Acks lists the acknowledgements in scope, live at live unless zero.
func (s *Store) Acks(ctx context.Context, sc store.Scope, live time.Time) ([]store.Ack, error) {
	where, args := ackScope(sc)
	if !live.IsZero() {
		where += " AND withdrawn_at IS NULL AND expires_at > ?"
		args = append(args, micros(live))
	}
	var out []store.Ack
	err := s.each(ctx, ackSelect+" WHERE "+where+" ORDER BY created_at, id LIMIT "+strconv.Itoa(store.MaxActiveAcks), args, func(r *sql.Rows) error {
		a, err := scanAck(r)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list acknowledgements: %w", err)
	}
	return out, nil
}

// WithdrawAck withdraws a live acknowledgement of the tenant in scope.
func (s *Store) WithdrawAck(ctx context.Context, sc store.Scope, id, by string, at time.Time) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("withdraw acknowledgement: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	where, args := scopeWhere(sc, "tenant")
	a, err := scanAck(tx.QueryRowContext(ctx, s.rebind(ackSelect+" WHERE id = ? AND withdrawn_at IS NULL AND expires_at > ? AND "+where), append([]any{id, micros(at)}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("live acknowledgement %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read acknowledgement: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE acknowledgements SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ? AND withdrawn_at IS NULL`), micros(at), by, id); err != nil {
		return fmt.Errorf("withdraw acknowledgement: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.rebind(insertAckLog), a.ID, a.Tenant, store.AckWithdrawn, by, micros(at), a.Target(), a.Reason, micros(a.ExpiresAt)); err != nil {
		return fmt.Errorf("log withdrawal: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("withdraw acknowledgement: commit: %w", err)
	}
	return nil
}

// AckLog lists the audit log in scope, newest first.
func (s *Store) AckLog(ctx context.Context, sc store.Scope, p store.Page) ([]store.AckEvent, string, error) {
	p = p.Clamp()
	where, args := scopeWhere(sc, "tenant")
	if p.Cursor != "" {
		seq, err := strconv.ParseInt(p.Cursor, 10, 64)
		if err != nil || seq <= 0 {
			return nil, "", fmt.Errorf("cursor %q: %w", p.Cursor, store.ErrInvalid)
		}
		where += " AND seq < ?"
		args = append(args, seq)
	}
	var out []store.AckEvent
	err := s.each(ctx, `SELECT seq, ack_id, tenant, action, actor, at, target, reason, expires_at FROM acknowledgement_log WHERE `+where+
		` ORDER BY seq DESC LIMIT `+strconv.Itoa(p.Limit+1), args, func(r *sql.Rows) error {
		var e store.AckEvent
		var at, exp int64
		err := r.Scan(&e.Seq, &e.AckID, &e.Tenant, &e.Action, &e.By, &at, &e.Target, &e.Reason, &exp)
		e.At, e.ExpiresAt = fromMicros(at), fromMicros(exp)
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("acknowledgement log: %w", err)
	}
	next := ""
	if len(out) > p.Limit {
		out = out[:p.Limit]
		next = strconv.FormatInt(out[len(out)-1].Seq, 10)
	}
	return out, next, nil
}

// AckedOlder counts the open findings covered by live acknowledgements.
func (s *Store) AckedOlder(ctx context.Context, sc store.Scope, tenant string, now time.Time, qs []store.AgeCount) ([]int64, error) {
	where, sargs := tenantCond(sc, tenant, "f.tenant")
	live := " AND a.withdrawn_at IS NULL AND a.expires_at > ? AND f.resolved_at IS NULL AND " + where
	q := `SELECT host_id, finding_id, responsible, severity, opened_at FROM (
SELECT f.host_id, f.finding_id, f.responsible, f.severity, f.opened_at FROM acknowledgements a
JOIN findings f ON f.host_id = a.host_id AND f.finding_id = a.finding_id WHERE a.host_id <> ''` + live + `
UNION
SELECT f.host_id, f.finding_id, f.responsible, f.severity, f.opened_at FROM acknowledgements a
JOIN findings f ON f.product_key = a.product_key AND f.cycle = a.cycle WHERE a.host_id = '' AND (a.tenant = '' OR f.tenant = a.tenant) AND (a.responsible = '' OR f.responsible = a.responsible)` + live + `) u`
	args := append(append([]any{micros(now)}, sargs...), append([]any{micros(now)}, sargs...)...)
	out := make([]int64, len(qs))
	err := s.each(ctx, q, args, func(r *sql.Rows) error {
		var host, id, party, sev string
		var opened int64
		if err := r.Scan(&host, &id, &party, &sev, &opened); err != nil {
			return err
		}
		for i, c := range qs {
			if string(c.Responsible) == party && string(c.Severity) == sev && opened < micros(c.Before) {
				out[i]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("acknowledged findings: %w", err)
	}
	return out, nil
}

func scanAck(r scanner) (store.Ack, error) {
	var a store.Ack
	var party string
	var created, expires int64
	var withdrawn *int64
	if err := r.Scan(&a.ID, &a.Tenant, &a.HostID, &a.FindingID, &a.Product, &a.Cycle, &party, &a.Reason, &a.By, &created, &expires, &a.WithdrawnBy, &withdrawn); err != nil {
		return a, err
	}
	a.Responsible, a.CreatedAt, a.ExpiresAt, a.WithdrawnAt = report.Responsible(party), fromMicros(created), fromMicros(expires), optTime(withdrawn)
	return a, nil
}
