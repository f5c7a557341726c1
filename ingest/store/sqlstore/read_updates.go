package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/demarc/demarc/ingest/store"
)

// hostUpdateSort orders one host's pending packages: security first, the
// longest pending first, then by name and arch (the primary key makes it
// unique).
var hostUpdateSort = sortSpec{cols: []string{"u.sec_rank", "u.first_seen", "u.name", "u.arch"}, ints: []bool{true, true, false, false}}

// fleetUpdateSort orders the fleet's pending packages by name, then as
// one host's (host_updates_name and host_updates_tenant_name serve it).
var fleetUpdateSort = sortSpec{cols: []string{"u.name", "u.sec_rank", "u.first_seen", "u.host_id", "u.arch"}, ints: []bool{false, true, true, false, false}}

// refUpdateSort orders the packages that fix one advisory or CVE: by host,
// then name and arch (host_update_refs_ref and host_update_refs_tenant
// serve it).
var refUpdateSort = sortSpec{cols: []string{"r.host_id", "r.name", "r.arch"}, ints: []bool{false, false, false}}

const (
	updateRead = `SELECT u.host_id, h.hostname, u.tenant, u.name, u.arch, u.installed, u.candidate, u.sec_rank, u.origin,
u.first_seen, u.severity, u.advisories, u.cves`
	updateSelect    = updateRead + ` FROM host_updates u JOIN hosts h ON h.host_id = u.host_id`
	refUpdateSelect = updateRead + ` FROM host_update_refs r JOIN host_updates u ON u.host_id = r.host_id AND u.name = r.name
AND u.arch = r.arch JOIN hosts h ON h.host_id = u.host_id`
)

// HostUpdates lists the packages pending on a host in scope.
func (s *Store) HostUpdates(ctx context.Context, sc store.Scope, hostID string, p store.Page) (store.UpdatePage, error) {
	var w where
	cond, args := scopeWhere(sc, "u.tenant")
	w.add(cond, args...)
	w.add("u.host_id = ?", hostID)
	return s.updatePage(ctx, updateSelect, &w, hostUpdateSort, p, func(u *store.PendingUpdate) string {
		return encodeCursor(secRank(u), micros(u.PendingSince), u.Name, u.Arch)
	})
}

// PendingUpdates lists the packages pending on the hosts in scope
// matching f.
func (s *Store) PendingUpdates(ctx context.Context, sc store.Scope, f store.UpdateFilter, p store.Page) (store.UpdatePage, error) {
	var w where
	col := "u.tenant"
	if f.Ref != "" {
		col = "r.tenant"
	}
	cond, args := scopeWhere(sc, col)
	w.add(cond, args...)
	if f.Tenant != "" {
		w.add(col+" = ?", f.Tenant)
	}
	if f.Package != "" {
		w.add("u.name = ?", f.Package)
	}
	if f.SecurityOnly {
		w.add("u.sec_rank = 0")
	}
	if f.Ref != "" {
		w.add("r.ref = ?", f.Ref)
		return s.updatePage(ctx, refUpdateSelect, &w, refUpdateSort, p, func(u *store.PendingUpdate) string {
			return encodeCursor(u.HostID, u.Name, u.Arch)
		})
	}
	return s.updatePage(ctx, updateSelect, &w, fleetUpdateSort, p, func(u *store.PendingUpdate) string {
		return encodeCursor(u.Name, secRank(u), micros(u.PendingSince), u.HostID, u.Arch)
	})
}

func secRank(u *store.PendingUpdate) int64 {
	if u.Security {
		return 0
	}
	return 1
}

// updatePage reads one page of pending updates matching w in order o;
// cursor encodes the last item's sort values.
func (s *Store) updatePage(ctx context.Context, sel string, w *where, o sortSpec, p store.Page, cursor func(*store.PendingUpdate) string) (store.UpdatePage, error) {
	p = p.Clamp()
	cond, args, err := o.after(p.Cursor)
	if err != nil {
		return store.UpdatePage{}, err
	}
	if cond != "" {
		w.add(cond, args...)
	}
	rows, err := s.r.QueryContext(ctx, s.rebind(sel+w.sql()+o.orderBy()+" LIMIT ?"), append(w.args, p.Limit+1)...)
	if err != nil {
		return store.UpdatePage{}, fmt.Errorf("list pending updates: %w", err)
	}
	defer rows.Close()
	page := store.UpdatePage{Updates: []store.PendingUpdate{}}
	for rows.Next() {
		var u store.PendingUpdate
		var rank, since int64
		var advisories, cves string
		if err := rows.Scan(&u.HostID, &u.Hostname, &u.Tenant, &u.Name, &u.Arch, &u.Installed, &u.Candidate,
			&rank, &u.Origin, &since, &u.Severity, &advisories, &cves); err != nil {
			return store.UpdatePage{}, fmt.Errorf("list pending updates: %w", err)
		}
		u.Security, u.PendingSince = rank == 0, fromMicros(since)
		u.Advisories, u.CVEs = strings.Fields(advisories), strings.Fields(cves)
		page.Updates = append(page.Updates, u)
	}
	if err := rows.Err(); err != nil {
		return store.UpdatePage{}, fmt.Errorf("list pending updates: %w", err)
	}
	if len(page.Updates) > p.Limit {
		page.Updates = page.Updates[:p.Limit]
		page.Next = cursor(&page.Updates[p.Limit-1])
	}
	return page, nil
}
