package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// The fleet's pending packages (migration 21): fleet_updates counts, per
// tenant and package name, the hosts on which the package is pending
// (any architecture) and those on which it is a security update. A
// host's share changes only when its stored list is rewritten
// (syncUpdates), so the delta is worked out from the list it reads and
// the report's, with no extra query. The oldest pending stretch of a
// package is not aggregated (a minimum cannot be kept by sums): it is one
// seek of host_updates_name (host_updates_tenant_name for a tenant) per
// package and security rank, in one round trip.

type fleetUpdateKey struct{ tenant, name string }

// pendingState is a package name's place on one host.
type pendingState struct{ pending, security bool }

// pendingNames adds to d the change of a host's share of fleet_updates
// when its stored rows (stored; nil or empty for a new host) are replaced
// by pkgs.
func (d *fleetDelta) pendingNames(tenant string, stored map[pendingKey]pendingRow, pkgs []*report.Package) {
	before := make(map[string]pendingState, len(stored))
	for k, r := range stored {
		st := before[k.name]
		st.pending, st.security = true, st.security || r.secRank == 0
		before[k.name] = st
	}
	after := make(map[string]pendingState, len(pkgs))
	for _, p := range pkgs {
		st := after[p.Name]
		st.pending, st.security = true, st.security || p.Security
		after[p.Name] = st
	}
	add := func(name string, st pendingState, sign int64) {
		v := d.updates[fleetUpdateKey{tenant, name}]
		if v == nil {
			v = &[2]int64{}
			d.updates[fleetUpdateKey{tenant, name}] = v
		}
		v[0] += sign
		if st.security {
			v[1] += sign
		}
	}
	for name, b := range before {
		if a := after[name]; a != b {
			add(name, b, -1)
			if a.pending {
				add(name, a, 1)
			}
		}
	}
	for name, a := range after {
		if _, ok := before[name]; !ok {
			add(name, a, 1)
		}
	}
}

const upsertFleetUpdates = `INSERT INTO fleet_updates (tenant, name, shard, hosts, security_hosts) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (tenant, name, shard) DO UPDATE SET hosts = fleet_updates.hosts + excluded.hosts,
security_hosts = fleet_updates.security_hosts + excluded.security_hosts`

// applyUpdates adds d's pending packages to the shard in tx, rows in key
// order.
func (s *Store) applyUpdates(ctx context.Context, tx *sql.Tx, d *fleetDelta, shard int) error {
	keys := make([]fleetUpdateKey, 0, len(d.updates))
	for k, v := range d.updates {
		if v[0] != 0 || v[1] != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b fleetUpdateKey) int {
		return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.name, b.name))
	})
	for _, k := range keys {
		v := d.updates[k]
		if _, err := s.exec(ctx, tx, s.q.upsertFleetUpdates, k.tenant, k.name, shard, v[0], v[1]); err != nil {
			return fmt.Errorf("fleet updates: %w", err)
		}
	}
	return nil
}

// PendingPackages ranks the package names pending in scope.
func (s *Store) PendingPackages(ctx context.Context, sc store.Scope, f store.PackageFilter, p store.Page) (store.PackagePage, error) {
	p = p.Clamp()
	order, ok := packageOrders[cmp.Or(f.Sort, store.PackagesBySecurity)]
	if !ok {
		return store.PackagePage{}, fmt.Errorf("sort %q: %w", f.Sort, store.ErrInvalid)
	}
	var after *store.PendingPackage
	if p.Cursor != "" {
		vals, err := order.spec.decode(p.Cursor)
		if err != nil {
			return store.PackagePage{}, err
		}
		after = order.fromCursor(vals)
	}
	w := &where{}
	cond, args := scopeWhere(sc, "tenant")
	w.add(cond, args...)
	if f.Tenant != "" {
		w.add("tenant = ?", f.Tenant)
	}
	var all []store.PendingPackage
	err := s.each(ctx, `SELECT name, SUM(hosts), SUM(security_hosts) FROM fleet_updates`+w.sql()+
		` GROUP BY name HAVING SUM(hosts) > 0`, w.args, func(r *sql.Rows) error {
		var k store.PendingPackage
		if err := r.Scan(&k.Name, &k.Hosts, &k.SecurityHosts); err != nil {
			return err
		}
		if strings.HasPrefix(k.Name, f.Prefix) && (!f.SecurityOnly || k.SecurityHosts > 0) {
			all = append(all, k)
		}
		return nil
	})
	if err != nil {
		return store.PackagePage{}, fmt.Errorf("rank pending packages: %w", err)
	}
	// The oldest stretches: of every package when they order the ranking,
	// else of the page's.
	if order.byAge {
		if err := s.oldestPending(ctx, sc, f.Tenant, all); err != nil {
			return store.PackagePage{}, err
		}
	}
	slices.SortFunc(all, order.cmp)
	start := 0
	if after != nil {
		start = len(all)
		if i := slices.IndexFunc(all, func(k store.PendingPackage) bool { return order.cmp(k, *after) > 0 }); i >= 0 {
			start = i
		}
	}
	page := store.PackagePage{Packages: all[start:min(len(all), start+p.Limit)]}
	if !order.byAge {
		if err := s.oldestPending(ctx, sc, f.Tenant, page.Packages); err != nil {
			return store.PackagePage{}, err
		}
	}
	if start+p.Limit < len(all) {
		page.Next = encodeCursor(order.cursor(&page.Packages[len(page.Packages)-1])...)
	}
	if page.Packages == nil {
		page.Packages = []store.PendingPackage{}
	}
	return page, nil
}

// packageOrder is one order of the ranking: cmp compares, cursor and
// fromCursor carry a package's sort values through a page's cursor, spec
// checks their types.
type packageOrder struct {
	cmp        func(a, b store.PendingPackage) int
	cursor     func(*store.PendingPackage) []any
	fromCursor func([]any) *store.PendingPackage
	spec       sortSpec
	byAge      bool
}

var packageOrders = map[string]packageOrder{
	store.PackagesBySecurity: {
		cmp: func(a, b store.PendingPackage) int {
			return cmp.Or(cmp.Compare(b.SecurityHosts, a.SecurityHosts), cmp.Compare(b.Hosts, a.Hosts), cmp.Compare(a.Name, b.Name))
		},
		cursor: func(k *store.PendingPackage) []any { return []any{k.SecurityHosts, k.Hosts, k.Name} },
		fromCursor: func(v []any) *store.PendingPackage {
			return &store.PendingPackage{SecurityHosts: v[0].(int64), Hosts: v[1].(int64), Name: v[2].(string)}
		},
		spec: sortSpec{cols: []string{"s", "h", "n"}, ints: []bool{true, true, false}},
	},
	store.PackagesByHosts: {
		cmp: func(a, b store.PendingPackage) int {
			return cmp.Or(cmp.Compare(b.Hosts, a.Hosts), cmp.Compare(a.Name, b.Name))
		},
		cursor: func(k *store.PendingPackage) []any { return []any{k.Hosts, k.Name} },
		fromCursor: func(v []any) *store.PendingPackage {
			return &store.PendingPackage{Hosts: v[0].(int64), Name: v[1].(string)}
		},
		spec: sortSpec{cols: []string{"h", "n"}, ints: []bool{true, false}},
	},
	store.PackagesByAge: {
		cmp: func(a, b store.PendingPackage) int {
			return cmp.Or(a.OldestSince.Compare(b.OldestSince), cmp.Compare(a.Name, b.Name))
		},
		cursor: func(k *store.PendingPackage) []any { return []any{micros(k.OldestSince), k.Name} },
		fromCursor: func(v []any) *store.PendingPackage {
			return &store.PendingPackage{OldestSince: fromMicros(v[0].(int64)), Name: v[1].(string)}
		},
		spec:  sortSpec{cols: []string{"t", "n"}, ints: []bool{true, false}},
		byAge: true,
	},
	store.PackagesByName: {
		cmp:        func(a, b store.PendingPackage) int { return cmp.Compare(a.Name, b.Name) },
		cursor:     func(k *store.PendingPackage) []any { return []any{k.Name} },
		fromCursor: func(v []any) *store.PendingPackage { return &store.PendingPackage{Name: v[0].(string)} },
		spec:       sortSpec{cols: []string{"n"}, ints: []bool{false}},
	},
}

// oldestPending sets the oldest pending stretches of pkgs (of the tenant
// in scope, narrowed to tenant unless ""), in batches of one query: for
// each package and security rank, the first entry of an index of
// host_updates in first_seen order.
func (s *Store) oldestPending(ctx context.Context, sc store.Scope, tenant string, pkgs []store.PendingPackage) error {
	at := make(map[string]int, len(pkgs))
	for i := range pkgs {
		at[pkgs[i].Name] = i
	}
	o := &where{}
	o.add("u.name = g.name AND u.sec_rank = ?")
	if !sc.All() {
		o.add("u.tenant = ?", sc.Tenant())
	}
	if tenant != "" {
		o.add("u.tenant = ?", tenant)
	}
	sub := `(SELECT u.first_seen FROM host_updates u` + o.sql() + ` ORDER BY u.first_seen LIMIT 1)`
	const batch = 500
	for start := 0; start < len(pkgs); start += batch {
		names := pkgs[start:min(len(pkgs), start+batch)]
		args := append([]any{0}, o.args...)
		args = append(append(args, 1), o.args...)
		for _, k := range names {
			args = append(args, k.Name)
		}
		q := `SELECT g.name, ` + sub + `, ` + sub + ` FROM (SELECT DISTINCT name FROM fleet_updates WHERE name IN (` +
			placeholders(len(names)) + `)) g`
		err := s.each(ctx, q, args, func(r *sql.Rows) error {
			var name string
			var sec, other *int64
			if err := r.Scan(&name, &sec, &other); err != nil {
				return err
			}
			k := &pkgs[at[name]]
			if sec != nil {
				t := fromMicros(*sec)
				k.OldestSecuritySince, k.OldestSince = &t, t
			}
			if other != nil && (sec == nil || *other < *sec) {
				k.OldestSince = fromMicros(*other)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("oldest pending updates: %w", err)
		}
	}
	return nil
}
