package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// recordCols are host_records' columns as scanRecord reads them.
const recordCols = `record_id, tenant, host_id, hostname, machine_id, tier, maintenance, customer_virt,
customer, contract, data_centre, updated_at, updated_by`

const recordSelect = `SELECT ` + recordCols + ` FROM host_records`

// recordLookups find a host's record, in order (the index of the one
// that finds it is its rank): bound to the host (host_records_host), else
// unbound with its machine id (the one given, else the one the host
// enrolled with), else unbound with its hostname (the unique partial
// indexes). The literal conditions let SQLite use the partial indexes.
//
// They are prepared once, and the parameters are cast: SQLite compares a
// bare parameter with the partial indexes' conditions while planning and
// then re-prepares the statement whenever its value changes (which cost
// a quarter of the server's CPU at ingest).
var recordLookups = [3]string{
	recordSelect + ` WHERE host_id <> '' AND host_id = CAST(? AS TEXT) AND tenant = CAST(? AS TEXT)`,
	recordSelect + ` WHERE host_id = '' AND machine_id <> '' AND tenant = CAST(? AS TEXT) AND machine_id = CAST(? AS TEXT)`,
	recordSelect + ` WHERE host_id = '' AND hostname <> '' AND tenant = CAST(? AS TEXT) AND hostname = CAST(? AS TEXT)`,
}

// enrolledMachine is the machine id a host enrolled with.
const enrolledMachine = `SELECT machine_id FROM host_identities WHERE host_id = ? AND tenant = ?`

// serverBy is who binds a record to the host that showed up.
const serverBy = "demarc-server"

func scanRecord(r scanner, lead ...any) (store.HostRecord, error) {
	var h store.HostRecord
	var tier string
	var updated int64
	dest := append(lead, &h.ID, &h.Tenant, &h.HostID, &h.Hostname, &h.MachineID, &tier, &h.MaintenanceAgreement,
		&h.CustomerManagedVirtualisation, &h.Customer, &h.Contract, &h.DataCentre, &updated, &h.UpdatedBy)
	if err := r.Scan(dest...); err != nil {
		return h, err
	}
	h.Tier, h.UpdatedAt = report.Tier(tier), fromMicros(updated)
	return h, nil
}

// HostRecord returns the record bound to a host in scope.
func (s *Store) HostRecord(ctx context.Context, sc store.Scope, hostID string) (store.HostRecord, error) {
	cond, args := scopeWhere(sc, "tenant")
	h, err := scanRecord(s.r.QueryRowContext(ctx, s.rebind(recordSelect+` WHERE host_id <> '' AND host_id = ? AND `+cond),
		append([]any{hostID}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("record of host %q: %w", hostID, store.ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("read host record: %w", err)
	}
	return h, nil
}

// HostRecords lists the records in scope by record id.
func (s *Store) HostRecords(ctx context.Context, sc store.Scope, p store.Page) (store.HostRecordPage, error) {
	p = p.Clamp()
	order := sortSpec{cols: []string{"record_id"}, ints: []bool{false}}
	var w where
	cond, args := scopeWhere(sc, "tenant")
	w.add(cond, args...)
	after, vals, err := order.after(p.Cursor)
	if err != nil {
		return store.HostRecordPage{}, err
	}
	if after != "" {
		w.add(after, vals...)
	}
	out := store.HostRecordPage{Records: []store.HostRecord{}}
	err = s.each(ctx, recordSelect+w.sql()+order.orderBy()+fmt.Sprintf(" LIMIT %d", p.Limit+1), w.args, func(r *sql.Rows) error {
		h, err := scanRecord(r)
		out.Records = append(out.Records, h)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("list host records: %w", err)
	}
	if len(out.Records) > p.Limit {
		out.Records = out.Records[:p.Limit]
		out.Next = encodeCursor(out.Records[p.Limit-1].ID)
	}
	return out, nil
}

// RecordFor returns a host's record, binding an unbound match to it.
func (s *Store) RecordFor(ctx context.Context, tenant, hostID, hostname, machineID string) (store.HostRecord, bool, error) {
	hostname = strings.ToLower(hostname)
	for range 3 {
		h, rank, err := s.findRecord(ctx, tenant, hostID, hostname, machineID)
		if err != nil || rank < 0 {
			return h, false, err
		}
		if rank == rankBound || hostID == "" {
			return h, true, nil
		}
		bound, err := s.bind(ctx, h, hostID, rank)
		if err != nil {
			return h, false, err
		}
		if bound {
			h.HostID = hostID
			return h, true, nil
		}
		// Another caller bound it (or the host got a record) meanwhile.
	}
	return store.HostRecord{}, false, fmt.Errorf("look up host record of %s: kept changing", hostID)
}

// The ranks of a record match: bound to the host, else unbound with its
// machine id, else unbound with its hostname (recordLookups' order).
const (
	rankBound = iota
	rankMachine
	rankHostname
)

// findRecord runs the record lookups in rank order and returns the first
// record found and its rank (-1: none).
func (s *Store) findRecord(ctx context.Context, tenant, hostID, hostname, machineID string) (store.HostRecord, int, error) {
	if hostID != "" {
		if h, ok, err := s.lookupRecord(ctx, s.q.recordFor[rankBound], hostID, tenant); err != nil || ok {
			return h, rankBound, err
		}
		if machineID == "" {
			st, err := s.readStmt(ctx, s.q.enrolledMachine)
			if err == nil {
				err = st.QueryRowContext(ctx, hostID, tenant).Scan(&machineID)
			}
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return store.HostRecord{}, -1, fmt.Errorf("look up host record: enrolled machine id: %w", err)
			}
		}
	}
	if machineID != "" {
		if h, ok, err := s.lookupRecord(ctx, s.q.recordFor[rankMachine], tenant, machineID); err != nil || ok {
			return h, rankMachine, err
		}
	}
	if hostname != "" {
		if h, ok, err := s.lookupRecord(ctx, s.q.recordFor[rankHostname], tenant, hostname); err != nil || ok {
			return h, rankHostname, err
		}
	}
	return store.HostRecord{}, -1, nil
}

// lookupRecord runs one of the record lookups; ok false when it finds none.
func (s *Store) lookupRecord(ctx context.Context, q string, args ...any) (store.HostRecord, bool, error) {
	st, err := s.readStmt(ctx, q)
	if err != nil {
		return store.HostRecord{}, false, fmt.Errorf("look up host record: %w", err)
	}
	h, err := scanRecord(st.QueryRowContext(ctx, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return h, false, nil
	}
	if err != nil {
		return h, false, fmt.Errorf("look up host record: %w", err)
	}
	return h, true, nil
}

// bind binds an unbound record to hostID unless the record or the host got
// bound meanwhile (false).
func (s *Store) bind(ctx context.Context, h store.HostRecord, hostID string, rank int) (bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("bind host record: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if err := s.lockRecords(ctx, tx); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, s.rebind(`UPDATE host_records SET host_id = ? WHERE record_id = ? AND host_id = ''
AND NOT EXISTS (SELECT 1 FROM host_records o WHERE o.host_id <> '' AND o.host_id = ?)`), hostID, h.ID, hostID)
	if err != nil {
		return false, fmt.Errorf("bind host record: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	by := serverBy + " (matched by machine_id)"
	if rank == rankHostname {
		by = serverBy + " (matched by hostname)"
	}
	h.HostID = hostID
	c := store.RecordChange{RecordID: h.ID, HostID: hostID, Tenant: h.Tenant, Field: "host_id", New: hostID, By: by, At: time.Now().UTC()}
	if err := s.logChanges(ctx, tx, []store.RecordChange{c}); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("bind host record: commit: %w", err)
	}
	return true, nil
}

// lockRecords serialises writers of host_records on PostgreSQL (SQLite has
// one writer): matching a record reads other records, which a row lock
// would not cover. Readers are not blocked.
func (s *Store) lockRecords(ctx context.Context, tx *sql.Tx) error {
	if s.d.Name != "postgres" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE host_records IN EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("lock host records: %w", err)
	}
	return nil
}

// logChanges appends changes to the audit log in tx.
func (s *Store) logChanges(ctx context.Context, tx *sql.Tx, cs []store.RecordChange) error {
	q := s.rebind(`INSERT INTO host_record_changes (record_id, tenant, host_id, at, by_whom, field, old_value, new_value, created)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	st, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return fmt.Errorf("log record changes: %w", err)
	}
	defer st.Close()
	for _, c := range cs {
		if _, err := st.ExecContext(ctx, c.RecordID, c.Tenant, c.HostID, micros(c.At), c.By, c.Field, c.Old, c.New, c.Created); err != nil {
			return fmt.Errorf("log record change: %w", err)
		}
	}
	return nil
}

// RecordHistory lists the changes of a host's record, newest first.
func (s *Store) RecordHistory(ctx context.Context, sc store.Scope, hostID string, p store.Page) (store.RecordChangePage, error) {
	out := store.RecordChangePage{Changes: []store.RecordChange{}}
	rec, err := s.HostRecord(ctx, sc, hostID)
	if err != nil {
		return out, err
	}
	p = p.Clamp()
	order := sortSpec{cols: []string{"change_id"}, ints: []bool{true}, desc: true}
	var w where
	w.add("record_id = ?", rec.ID)
	after, vals, err := order.after(p.Cursor)
	if err != nil {
		return out, err
	}
	if after != "" {
		w.add(after, vals...)
	}
	var ids []int64
	q := `SELECT change_id, record_id, tenant, host_id, at, by_whom, field, old_value, new_value, created FROM host_record_changes`
	err = s.each(ctx, q+w.sql()+order.orderBy()+fmt.Sprintf(" LIMIT %d", p.Limit+1), w.args, func(r *sql.Rows) error {
		var c store.RecordChange
		var id, at int64
		if err := r.Scan(&id, &c.RecordID, &c.Tenant, &c.HostID, &at, &c.By, &c.Field, &c.Old, &c.New, &c.Created); err != nil {
			return err
		}
		c.At = fromMicros(at)
		ids = append(ids, id)
		out.Changes = append(out.Changes, c)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("read record history: %w", err)
	}
	if len(out.Changes) > p.Limit {
		out.Changes = out.Changes[:p.Limit]
		out.Next = encodeCursor(ids[p.Limit-1])
	}
	return out, nil
}

// RecordsChangedSince lists the hosts whose record changed at or after t.
func (s *Store) RecordsChangedSince(ctx context.Context, t time.Time) ([]string, error) {
	out := []string{}
	err := s.each(ctx, `SELECT DISTINCT r.host_id FROM host_record_changes c JOIN host_records r ON r.record_id = c.record_id
WHERE c.at >= ? AND r.host_id <> '' ORDER BY r.host_id`, []any{micros(t)}, func(r *sql.Rows) error {
		var id string
		err := r.Scan(&id)
		out = append(out, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read changed host records: %w", err)
	}
	return out, nil
}
