package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// fleetGroups is FindingGroups of open findings from fleet_findings,
// each group's oldest open stretch found by a correlated subquery that
// walks an index of open findings by group in opened_at order (one seek a
// group, in one round trip): findings_open_group for the fleet,
// findings_open_tenant_group for a tenant.
func (s *Store) fleetGroups(ctx context.Context, sc store.Scope, f store.FindingFilter, limit int) ([]store.FindingGroup, error) {
	w := &where{}
	cond, args := scopeWhere(sc, "tenant")
	w.add(cond, args...)
	for _, c := range []struct{ col, val string }{
		{"tenant", f.Tenant}, {"responsible", string(f.Responsible)}, {"severity", string(f.Severity)},
		{"kind", string(f.Kind)}, {"layer", string(f.Layer)}, {"product_key", strings.ToLower(f.Product)}, {"tier", string(f.Tier)},
	} {
		if c.val != "" {
			w.add(c.col+" = ?", c.val)
		}
	}
	o := &where{}
	o.add(`f.resolved_at IS NULL AND f.product_key = g.product_key AND f.cycle = g.cycle AND f.kind = g.kind
AND f.layer = g.layer AND f.responsible = g.responsible AND f.severity = g.severity`)
	if !sc.All() {
		o.add(`f.tenant = ?`, sc.Tenant())
	}
	if f.Tenant != "" {
		o.add(`f.tenant = ?`, f.Tenant)
	}
	from := `findings f`
	if f.Tier != "" {
		from += ` JOIN hosts h ON h.host_id = f.host_id`
		o.add(`h.tier = ?`, string(f.Tier))
	}
	const order = ` ORDER BY sev_rank, hosts DESC, findings DESC, responsible, kind, layer, product_key, cycle`
	q := `SELECT g.responsible, g.severity, g.kind, g.layer, g.product, g.cycle, g.hosts, g.findings,
(SELECT f.opened_at FROM ` + from + o.sql() + ` ORDER BY f.opened_at LIMIT 1)
FROM (SELECT responsible, sev_rank, severity, kind, layer, MIN(product) AS product, product_key, cycle,
SUM(hosts) AS hosts, SUM(findings) AS findings FROM fleet_findings` + w.sql() + `
GROUP BY responsible, sev_rank, severity, kind, layer, product_key, cycle HAVING SUM(findings) > 0` + order + ` LIMIT ?) g` + order
	out := []store.FindingGroup{}
	err := s.each(ctx, q, append(append(o.args, w.args...), limit), func(r *sql.Rows) error {
		var g store.FindingGroup
		var resp, sev, kind, layer string
		var oldest *int64
		err := r.Scan(&resp, &sev, &kind, &layer, &g.Product, &g.Cycle, &g.Hosts, &g.Findings, &oldest)
		g.Responsible, g.Severity, g.Kind, g.Layer = report.Responsible(resp), report.Severity(sev), report.Kind(kind), report.Layer(layer)
		if oldest != nil {
			// Otherwise counted but gone since (a write committed
			// between the two reads).
			g.OldestOpened = fromMicros(*oldest)
		}
		out = append(out, g)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("finding groups: %w", err)
	}
	return out, nil
}

// countFleetHosts is CountHosts from fleet_hosts (f narrows by tenant,
// tier, OS and failing collectors only).
func (s *Store) countFleetHosts(ctx context.Context, sc store.Scope, f store.HostFilter) (int64, error) {
	w := hostKeyWhere(sc, f)
	col := "hosts"
	if f.FailingCollectors {
		col = "failing"
	}
	var n int64
	if err := s.r.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(SUM(`+col+`), 0) FROM fleet_hosts`+w.sql()), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count hosts: %w", err)
	}
	return n, nil
}
