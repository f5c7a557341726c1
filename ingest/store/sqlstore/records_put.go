package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

// errDryRun rolls back a planned put.
var errDryRun = errors.New("dry run")

// PutHostRecords stores records and their audit log in one transaction.
func (s *Store) PutHostRecords(ctx context.Context, recs []store.HostRecord, by string, at time.Time) ([]store.RecordChange, error) {
	return s.putRecords(ctx, recs, by, at.UTC(), true)
}

// PlanHostRecords is PutHostRecords rolled back.
func (s *Store) PlanHostRecords(ctx context.Context, recs []store.HostRecord) ([]store.RecordChange, error) {
	return s.putRecords(ctx, recs, "", time.Now().UTC(), false)
}

func (s *Store) putRecords(ctx context.Context, recs []store.HostRecord, by string, at time.Time, commit bool) ([]store.RecordChange, error) {
	for i := range recs {
		if err := recs[i].Normalize(); err != nil {
			return nil, at0(err, i)
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("put host records: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if err := s.lockRecords(ctx, tx); err != nil {
		return nil, err
	}
	changes := []store.RecordChange{}
	targets := map[string]int{} // record id → index of the record that wrote it
	for i, rec := range recs {
		cur, hostID, err := s.resolveRecord(ctx, tx, rec)
		if err != nil {
			return nil, at0(err, i)
		}
		if cur != nil {
			if j, ok := targets[cur.ID]; ok {
				return nil, dupError(i, j, rec)
			}
		}
		rec.HostID = hostID
		cs, id, err := s.writeRecord(ctx, tx, cur, rec, by, at)
		if err != nil {
			return nil, at0(err, i)
		}
		targets[id] = i
		changes = append(changes, cs...)
	}
	if err := s.logChanges(ctx, tx, changes); err != nil {
		return nil, err
	}
	if !commit {
		return changes, nil
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("put host records: commit: %w", err)
	}
	return changes, nil
}

// at0 sets the batch index of a *RecordError.
func at0(err error, i int) error {
	var re *store.RecordError
	if errors.As(err, &re) {
		c := *re
		c.Index = i
		return &c
	}
	return err
}

func dupError(i, j int, rec store.HostRecord) error {
	field, v := "host_id", rec.HostID
	switch {
	case v != "":
	case rec.MachineID != "":
		field, v = "machine_id", rec.MachineID
	default:
		field, v = "hostname", rec.Hostname
	}
	return &store.RecordError{Index: i, Field: field, Err: store.ErrDuplicate,
		Msg: fmt.Sprintf("%q is the same host as record %d's", v, j+1)}
}

// resolveRecord finds the stored record rec is about (nil: a new one) and
// the host id it is bound to ("": unbound). A host id names its host; a
// record without one is matched by machine id, then hostname: against the
// tenant's known hosts (enrolled or reporting) and its records, and a key
// that matches more than one is ambiguous.
func (s *Store) resolveRecord(ctx context.Context, tx *sql.Tx, rec store.HostRecord) (*store.HostRecord, string, error) {
	if rec.HostID != "" {
		if t, err := s.hostTenant(ctx, tx, rec.HostID); err != nil {
			return nil, "", err
		} else if t != "" && t != rec.Tenant {
			return nil, "", &store.RecordError{Index: -1, Field: "tenant", Err: store.ErrConflict,
				Msg: fmt.Sprintf("host %s is not tenant %s's", rec.HostID, rec.Tenant)}
		}
		cur, err := s.recordWhere(ctx, tx, `host_id <> '' AND host_id = ?`, rec.HostID)
		if err != nil || cur != nil {
			if cur != nil && cur.Tenant != rec.Tenant {
				return nil, "", &store.RecordError{Index: -1, Field: "tenant", Err: store.ErrConflict,
					Msg: fmt.Sprintf("the record of host %s is tenant %s's", rec.HostID, cur.Tenant)}
			}
			return cur, rec.HostID, err
		}
		// An unbound record of the host's keys becomes this host's.
		for _, k := range recordKeys(rec) {
			cur, err := s.recordWhere(ctx, tx, `host_id = '' AND tenant = ? AND `+k.col+` = ?`, rec.Tenant, k.val)
			if err != nil || cur != nil {
				return cur, rec.HostID, err
			}
		}
		return nil, rec.HostID, nil
	}
	for _, k := range recordKeys(rec) {
		cands, err := s.candidates(ctx, tx, rec.Tenant, k)
		if err != nil {
			return nil, "", err
		}
		switch len(cands) {
		case 0:
			continue
		case 1:
			for _, c := range cands {
				return c.rec, c.hostID, nil
			}
		}
		return nil, "", ambiguous(k, cands)
	}
	return nil, "", nil
}

// recordKey is a column that names an unbound record's host.
type recordKey struct{ field, col, val string }

// recordKeys are rec's keys in the order they match: machine id, hostname.
func recordKeys(rec store.HostRecord) []recordKey {
	var ks []recordKey
	if rec.MachineID != "" {
		ks = append(ks, recordKey{"machine_id", "machine_id", rec.MachineID})
	}
	if rec.Hostname != "" {
		ks = append(ks, recordKey{"hostname", "hostname", rec.Hostname})
	}
	return ks
}

// candidate is a host or an unbound record a key matches.
type candidate struct {
	hostID string
	rec    *store.HostRecord
}

// candidates lists what key k matches in tenant, by host id (for hosts and
// bound records) or record id (unbound records).
func (s *Store) candidates(ctx context.Context, tx *sql.Tx, tenant string, k recordKey) (map[string]candidate, error) {
	out := map[string]candidate{}
	rows, err := tx.QueryContext(ctx, s.rebind(recordSelect+` WHERE tenant = ? AND `+k.col+` = ?`), tenant, k.val)
	if err != nil {
		return nil, fmt.Errorf("match host records: %w", err)
	}
	for rows.Next() {
		h, err := scanRecord(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("match host records: %w", err)
		}
		key := "record " + h.ID
		if h.HostID != "" {
			key = h.HostID
		}
		out[key] = candidate{hostID: h.HostID, rec: &h}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("match host records: %w", err)
	}
	q := `SELECT host_id FROM host_identities WHERE tenant = ? AND machine_id = ?`
	if k.col == "hostname" {
		// Hosts report names in any case; records keep them in lower case.
		q = `SELECT host_id FROM host_identities WHERE tenant = ? AND LOWER(hostname) = ?
UNION SELECT host_id FROM hosts WHERE tenant = ? AND LOWER(hostname) = ?`
	}
	args := []any{tenant, k.val}
	if k.col == "hostname" {
		args = append(args, tenant, k.val)
	}
	rows, err = tx.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("match hosts: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("match hosts: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("match hosts: %w", err)
	}
	// A transaction's connection runs one query at a time: the records of
	// the hosts are read once the rows above are closed.
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		c := candidate{hostID: id}
		if c.rec, err = s.recordWhere(ctx, tx, `host_id <> '' AND host_id = ?`, id); err != nil {
			return nil, err
		}
		out[id] = c
	}
	return out, nil
}

func ambiguous(k recordKey, cands map[string]candidate) error {
	names := make([]string, 0, len(cands))
	for n := range cands {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > 4 {
		names = append(names[:4], "…")
	}
	return &store.RecordError{Index: -1, Field: k.field, Err: store.ErrAmbiguous,
		Msg: fmt.Sprintf("%q matches %d hosts or records (%s): give the host_id", k.val, len(cands), strings.Join(names, ", "))}
}

// hostTenant is the tenant of a known host ("" for an unknown one).
func (s *Store) hostTenant(ctx context.Context, tx *sql.Tx, hostID string) (string, error) {
	var t string
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT tenant FROM host_identities WHERE host_id = ?
UNION ALL SELECT tenant FROM hosts WHERE host_id = ? LIMIT 1`), hostID, hostID).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read host tenant: %w", err)
	}
	return t, nil
}

// recordWhere reads the one record matching cond in tx (nil: none).
func (s *Store) recordWhere(ctx context.Context, tx *sql.Tx, cond string, args ...any) (*store.HostRecord, error) {
	h, err := scanRecord(tx.QueryRowContext(ctx, s.rebind(recordSelect+` WHERE `+cond), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read host record: %w", err)
	}
	return &h, nil
}

// writeRecord inserts rec (cur nil) or updates cur to rec, after checking
// that an unbound record keeps its keys unique in its tenant, and returns
// the changed fields and the record's id.
func (s *Store) writeRecord(ctx context.Context, tx *sql.Tx, cur *store.HostRecord, rec store.HostRecord, by string, at time.Time) ([]store.RecordChange, string, error) {
	id := ""
	old := map[string]string{}
	if cur != nil {
		id, old = cur.ID, cur.Values()
		// Labels a put leaves out of a key keep their stored value.
		if rec.Hostname == "" {
			rec.Hostname = cur.Hostname
		}
		if rec.MachineID == "" {
			rec.MachineID = cur.MachineID
		}
	} else {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	if rec.HostID == "" {
		if err := s.uniqueUnbound(ctx, tx, id, rec); err != nil {
			return nil, "", err
		}
	}
	var cs []store.RecordChange
	vals := rec.Values()
	for _, f := range store.RecordFields {
		nv, ov := vals[f], old[f]
		if ov == nv || (cur != nil && f == "tenant") {
			continue
		}
		cs = append(cs, store.RecordChange{RecordID: id, HostID: rec.HostID, Tenant: rec.Tenant, Hostname: rec.Hostname,
			MachineID: rec.MachineID, Field: f, Old: ov, New: nv, Created: cur == nil, By: by, At: at})
	}
	if len(cs) == 0 {
		return nil, id, nil
	}
	var err error
	if cur == nil {
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO host_records (record_id, tenant, host_id, hostname, machine_id, tier,
maintenance, customer_virt, customer, contract, data_centre, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, rec.Tenant, rec.HostID, rec.Hostname, rec.MachineID, string(rec.Tier), rec.MaintenanceAgreement,
			rec.CustomerManagedVirtualisation, rec.Customer, rec.Contract, rec.DataCentre, micros(at), by)
	} else {
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE host_records SET host_id = ?, hostname = ?, machine_id = ?, tier = ?,
maintenance = ?, customer_virt = ?, customer = ?, contract = ?, data_centre = ?, updated_at = ?, updated_by = ? WHERE record_id = ?`),
			rec.HostID, rec.Hostname, rec.MachineID, string(rec.Tier), rec.MaintenanceAgreement,
			rec.CustomerManagedVirtualisation, rec.Customer, rec.Contract, rec.DataCentre, micros(at), by, id)
	}
	if err != nil {
		return nil, "", fmt.Errorf("write host record: %w", err)
	}
	return cs, id, nil
}

// uniqueUnbound refuses an unbound record whose machine id or hostname is
// another unbound record's in its tenant: a host arriving would match
// both.
func (s *Store) uniqueUnbound(ctx context.Context, tx *sql.Tx, id string, rec store.HostRecord) error {
	for _, k := range recordKeys(rec) {
		other, err := s.recordWhere(ctx, tx, `host_id = '' AND tenant = ? AND `+k.col+` = ? AND record_id <> ?`, rec.Tenant, k.val, id)
		if err != nil {
			return err
		}
		if other != nil {
			return &store.RecordError{Index: -1, Field: k.field, Err: store.ErrAmbiguous,
				Msg: fmt.Sprintf("%q is also the %s of another record not yet bound to a host (record %s): give the host_id", k.val, k.field, other.ID)}
		}
	}
	return nil
}
