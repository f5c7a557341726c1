package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

var _ store.Outbox = (*Store)(nil)

const insertEvent = `INSERT INTO notify_events (event_id, type, tenant, sev_rank, body, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`

// addEventsTx writes events into the outbox in tx.
func (s *Store) addEventsTx(ctx context.Context, tx *sql.Tx, evs []store.Event, at int64) error {
	for i := range evs {
		e := &evs[i]
		body, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode event %s: %w", e.ID, err)
		}
		if _, err := s.exec(ctx, tx, s.rebind(insertEvent), e.ID, e.Type, e.Tenant, e.Severity.Rank(), string(body), at); err != nil {
			return fmt.Errorf("store event %s: %w", e.ID, err)
		}
	}
	return nil
}

// openedEvents are the events of the provider findings a verdict opens.
func openedEvents(v *verdict, opened []*report.Finding) []store.Event {
	var evs []store.Event
	at := fromMicros(v.at)
	for _, f := range opened {
		if f.Responsible != report.ResponsibleProvider {
			continue
		}
		evs = append(evs, store.Event{
			ID:   store.EventFindingOpened + ":" + v.hostID + ":" + f.ID + ":" + strconv.FormatInt(v.at, 10),
			Type: store.EventFindingOpened, At: at, Tenant: v.tenant,
			HostID: v.hostID, Hostname: v.r.Host.Hostname, Severity: f.Severity,
			Finding: &store.EventFinding{ID: f.ID, Kind: f.Kind, Layer: f.Layer, Product: f.Product,
				Installed: f.Installed, Latest: f.Latest, Cycle: f.Cycle, Responsible: f.Responsible,
				Rule: f.Rule, Remediation: f.Remediation, OpenedAt: at},
		})
	}
	return evs
}

// AddEvents stores events, skipping those whose ID is stored.
func (s *Store) AddEvents(ctx context.Context, evs []store.Event, at time.Time) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add events: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if err := s.addEventsTx(ctx, tx, evs, micros(at)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add events: commit: %w", err)
	}
	return nil
}

// DispatchEvents queues undispatched events for the subscriptions route
// names and marks them dispatched, in one transaction.
func (s *Store) DispatchEvents(ctx context.Context, route func(store.Event) []string, limit int) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("dispatch events: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT seq, body FROM notify_events WHERE dispatched = 0 ORDER BY seq LIMIT ?`+s.d.ForUpdate), limit)
	if err != nil {
		return 0, fmt.Errorf("dispatch events: read: %w", err)
	}
	type row struct {
		seq  int64
		body string
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.body); err != nil {
			rows.Close()
			return 0, fmt.Errorf("dispatch events: read: %w", err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("dispatch events: read: %w", err)
	}
	for _, r := range rs {
		var e store.Event
		if err := json.Unmarshal([]byte(r.body), &e); err != nil {
			return 0, fmt.Errorf("dispatch events: event %d: %w", r.seq, err)
		}
		for _, sub := range route(e) {
			if _, err := s.exec(ctx, tx, s.rebind(`INSERT INTO notify_queue (subscription, seq) VALUES (?, ?) ON CONFLICT (subscription, seq) DO NOTHING`), sub, r.seq); err != nil {
				return 0, fmt.Errorf("dispatch events: queue %d: %w", r.seq, err)
			}
		}
		if _, err := s.exec(ctx, tx, s.rebind(`UPDATE notify_events SET dispatched = 1 WHERE seq = ?`), r.seq); err != nil {
			return 0, fmt.Errorf("dispatch events: mark %d: %w", r.seq, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("dispatch events: commit: %w", err)
	}
	return len(rs), nil
}

// PendingEvents lists the events queued for sub and not delivered.
func (s *Store) PendingEvents(ctx context.Context, sub string, limit int) ([]store.QueuedEvent, error) {
	rows, err := s.w.QueryContext(ctx, s.rebind(`SELECT q.seq, e.body FROM notify_queue q JOIN notify_events e ON e.seq = q.seq
WHERE q.subscription = ? AND q.delivered_at IS NULL ORDER BY q.seq LIMIT ?`), sub, limit)
	if err != nil {
		return nil, fmt.Errorf("pending events of %s: %w", sub, err)
	}
	defer rows.Close()
	var out []store.QueuedEvent
	for rows.Next() {
		var q store.QueuedEvent
		var body string
		if err := rows.Scan(&q.Seq, &body); err != nil {
			return nil, fmt.Errorf("pending events of %s: %w", sub, err)
		}
		if err := json.Unmarshal([]byte(body), &q.Event); err != nil {
			return nil, fmt.Errorf("pending events of %s: event %d: %w", sub, q.Seq, err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending events of %s: %w", sub, err)
	}
	return out, nil
}

// MarkDelivered records events as delivered to sub.
func (s *Store) MarkDelivered(ctx context.Context, sub string, seqs []int64, at time.Time) error {
	if len(seqs) == 0 {
		return nil
	}
	args := []any{micros(at), sub}
	for _, q := range seqs {
		args = append(args, q)
	}
	for start := 0; start < len(seqs); start += 500 {
		end := min(start+500, len(seqs))
		a := append([]any{args[0], args[1]}, args[2+start:2+end]...)
		q := s.rebind(`UPDATE notify_queue SET delivered_at = ? WHERE subscription = ? AND seq IN (` + placeholders(end-start) + `)`)
		if _, err := s.w.ExecContext(ctx, q, a...); err != nil {
			return fmt.Errorf("mark delivered to %s: %w", sub, err)
		}
	}
	return nil
}

// LogDelivery records a delivery attempt.
func (s *Store) LogDelivery(ctx context.Context, d store.Delivery) error {
	_, err := s.w.ExecContext(ctx, s.rebind(`INSERT INTO notify_log (subscription, delivery_id, at, events, attempt, status, error, micros) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		d.Subscription, d.DeliveryID, micros(d.At), d.Events, d.Attempt, d.Status, d.Error, d.Duration.Microseconds())
	if err != nil {
		return fmt.Errorf("log delivery to %s: %w", d.Subscription, err)
	}
	return nil
}

// Deliveries lists the latest delivery attempts, newest first.
func (s *Store) Deliveries(ctx context.Context, sub string, limit int) ([]store.Delivery, error) {
	q := `SELECT id, subscription, delivery_id, at, events, attempt, status, error, micros FROM notify_log`
	args := []any{}
	if sub != "" {
		q += ` WHERE subscription = ?`
		args = append(args, sub)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	var out []store.Delivery
	for rows.Next() {
		var d store.Delivery
		var at, us int64
		if err := rows.Scan(&d.ID, &d.Subscription, &d.DeliveryID, &at, &d.Events, &d.Attempt, &d.Status, &d.Error, &us); err != nil {
			return nil, fmt.Errorf("read deliveries: %w", err)
		}
		d.At, d.Duration = fromMicros(at), time.Duration(us)*time.Microsecond
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	return out, nil
}

// pruneOutbox deletes, from before us, the deliveries made, the events
// delivered everywhere they were queued, and the delivery log (not
// counted in Prune's total, which counts reports and findings).
func (s *Store) pruneOutbox(ctx context.Context, us int64) error {
	for _, q := range []string{
		`DELETE FROM notify_queue WHERE delivered_at IS NOT NULL AND delivered_at < ?`,
		`DELETE FROM notify_events WHERE dispatched = 1 AND created_at < ? AND NOT EXISTS (SELECT 1 FROM notify_queue q WHERE q.seq = notify_events.seq)`,
		`DELETE FROM notify_log WHERE at < ?`,
	} {
		if _, err := s.w.ExecContext(ctx, s.rebind(q), us); err != nil {
			return fmt.Errorf("prune outbox: %w", err)
		}
	}
	return nil
}
