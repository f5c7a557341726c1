package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// CountHosts counts the hosts in scope matching f: from fleet_hosts when
// f narrows by tenant, tier, OS and failing collectors only, else from the
// hosts.
func (s *Store) CountHosts(ctx context.Context, sc store.Scope, f store.HostFilter) (int64, error) {
	rest := f
	rest.Tenant, rest.Tier, rest.OS, rest.FailingCollectors, rest.Sort = "", "", "", false, ""
	if rest == (store.HostFilter{}) {
		return s.countFleetHosts(ctx, sc, f)
	}
	w, err := hostWhere(sc, f)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.r.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM hosts`+w.sql()), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count hosts: %w", err)
	}
	return n, nil
}

// Facets lists the OS releases (most hosts first) and tenants in scope,
// from the fleet aggregates.
func (s *Store) Facets(ctx context.Context, sc store.Scope) (store.Facets, error) {
	out := store.Facets{OS: []store.OSCount{}, Tenants: []store.TenantCount{}}
	cond, args := scopeWhere(sc, "tenant")
	err := s.each(ctx, `SELECT os_id, os_version_id, MAX(os_name), MAX(os_pretty_name), SUM(hosts), SUM(os_eol)
FROM fleet_hosts WHERE `+cond+` GROUP BY os_id, os_version_id HAVING SUM(hosts) > 0
ORDER BY SUM(hosts) DESC, os_id, os_version_id`, args,
		func(r *sql.Rows) error {
			var o store.OSCount
			err := r.Scan(&o.ID, &o.VersionID, &o.Name, &o.PrettyName, &o.Hosts, &o.EOL)
			out.OS = append(out.OS, o)
			return err
		})
	if err != nil {
		return out, fmt.Errorf("os facets: %w", err)
	}
	err = s.each(ctx, `SELECT tenant, SUM(hosts) FROM fleet_hosts WHERE `+cond+` GROUP BY tenant HAVING SUM(hosts) > 0 ORDER BY tenant`, args,
		func(r *sql.Rows) error {
			var t store.TenantCount
			err := r.Scan(&t.Tenant, &t.Hosts)
			out.Tenants = append(out.Tenants, t)
			return err
		})
	if err != nil {
		return out, fmt.Errorf("tenant facets: %w", err)
	}
	return out, nil
}

// FindingGroups counts the findings matching f by party, severity, kind,
// layer, product and release cycle: open ones of the fleet or a tenant
// from the fleet aggregates (each group's oldest open stretch is one index
// seek), others (one host's, resolved ones) from the findings.
func (s *Store) FindingGroups(ctx context.Context, sc store.Scope, f store.FindingFilter, limit int) ([]store.FindingGroup, error) {
	limit = store.Page{Limit: limit}.Clamp().Limit
	if (f.Status == "" || f.Status == store.StatusOpen) && f.HostID == "" {
		return s.fleetGroups(ctx, sc, f, limit)
	}
	w, err := findingWhere(sc, f)
	if err != nil {
		return nil, err
	}
	q := `SELECT f.responsible, f.severity, f.kind, f.layer, MIN(f.product), f.cycle, COUNT(DISTINCT f.host_id), COUNT(*), MIN(f.opened_at)
FROM findings f JOIN hosts h ON h.host_id = f.host_id` + w.sql() + `
GROUP BY f.responsible, f.sev_rank, f.severity, f.kind, f.layer, f.product_key, f.cycle
ORDER BY f.sev_rank, COUNT(DISTINCT f.host_id) DESC, COUNT(*) DESC, f.responsible, f.kind, f.layer, f.product_key, f.cycle LIMIT ?`
	out := []store.FindingGroup{}
	err = s.each(ctx, q, append(w.args, limit), func(r *sql.Rows) error {
		var g store.FindingGroup
		var resp, sev, kind, layer string
		var oldest int64
		err := r.Scan(&resp, &sev, &kind, &layer, &g.Product, &g.Cycle, &g.Hosts, &g.Findings, &oldest)
		g.Responsible, g.Severity, g.Kind, g.Layer = report.Responsible(resp), report.Severity(sev), report.Kind(kind), report.Layer(layer)
		g.OldestOpened = fromMicros(oldest)
		out = append(out, g)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("finding groups: %w", err)
	}
	return out, nil
}
