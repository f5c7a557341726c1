package sqlstore

import (
	"context"
	"fmt"

	"github.com/demarc/demarc/ingest/store"
)

// latestSort is LatestReports' keyset: by host id, which never changes.
var latestSort = sortSpec{cols: []string{"host_id"}, ints: []bool{false}}

// LatestReports lists the hosts in scope matching f with their latest
// report, by host id.
func (s *Store) LatestReports(ctx context.Context, sc store.Scope, f store.HostFilter, p store.Page) ([]store.LatestRef, string, error) {
	p = p.Clamp()
	f.Sort = ""
	w, err := hostWhere(sc, f)
	if err != nil {
		return nil, "", err
	}
	cond, args, err := latestSort.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if cond != "" {
		w.add(cond, args...)
	}
	q := s.rebind(`SELECT host_id, tenant, latest_report_id FROM hosts` + w.sql() + latestSort.orderBy() + " LIMIT ?")
	rows, err := s.r.QueryContext(ctx, q, append(w.args, p.Limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list latest reports: %w", err)
	}
	defer rows.Close()
	out := []store.LatestRef{}
	for rows.Next() {
		var l store.LatestRef
		if err := rows.Scan(&l.HostID, &l.Tenant, &l.ReportID); err != nil {
			return nil, "", fmt.Errorf("list latest reports: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list latest reports: %w", err)
	}
	next := ""
	if len(out) > p.Limit {
		out = out[:p.Limit]
		next = encodeCursor(out[p.Limit-1].HostID)
	}
	return out, next, nil
}
