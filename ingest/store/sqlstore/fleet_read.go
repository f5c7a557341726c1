package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// fleetGroups is FindingGroups of open findings from fleet_findings.
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
	q := `SELECT responsible, severity, kind, layer, MIN(product), product_key, cycle, SUM(hosts), SUM(findings)
FROM fleet_findings` + w.sql() + `
GROUP BY responsible, sev_rank, severity, kind, layer, product_key, cycle HAVING SUM(findings) > 0
ORDER BY sev_rank, SUM(hosts) DESC, SUM(findings) DESC, responsible, kind, layer, product_key, cycle LIMIT ?`
	out := []store.FindingGroup{}
	var keys []string
	err := s.each(ctx, q, append(w.args, limit), func(r *sql.Rows) error {
		var g store.FindingGroup
		var resp, sev, kind, layer, key string
		err := r.Scan(&resp, &sev, &kind, &layer, &g.Product, &key, &g.Cycle, &g.Hosts, &g.Findings)
		g.Responsible, g.Severity, g.Kind, g.Layer = report.Responsible(resp), report.Severity(sev), report.Kind(kind), report.Layer(layer)
		out = append(out, g)
		keys = append(keys, key)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("finding groups: %w", err)
	}
	for i := range out {
		if err := s.oldestOpen(ctx, sc, f, keys[i], &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// oldestOpen sets g.OldestOpened: the open finding of its group in scope
// (and f's tenant and tier) whose open stretch began first, found by
// walking the findings_open_group index in opened_at order. The tenant is
// compared as an expression (tenant || ”), so that no planner walks a
// whole tenant's open findings by the other index instead.
func (s *Store) oldestOpen(ctx context.Context, sc store.Scope, f store.FindingFilter, key string, g *store.FindingGroup) error {
	w := &where{}
	w.add(`f.resolved_at IS NULL AND f.product_key = ? AND f.cycle = ? AND f.kind = ? AND f.layer = ? AND f.responsible = ? AND f.severity = ?`,
		key, g.Cycle, string(g.Kind), string(g.Layer), string(g.Responsible), string(g.Severity))
	if !sc.All() {
		w.add(`f.tenant || '' = ?`, sc.Tenant())
	}
	if f.Tenant != "" {
		w.add(`f.tenant || '' = ?`, f.Tenant)
	}
	from := `findings f`
	if f.Tier != "" {
		from += ` JOIN hosts h ON h.host_id = f.host_id`
		w.add(`h.tier = ?`, string(f.Tier))
	}
	var us int64
	q := s.rebind(`SELECT f.opened_at FROM ` + from + w.sql() + ` ORDER BY f.opened_at LIMIT 1`)
	err := s.r.QueryRowContext(ctx, q, w.args...).Scan(&us)
	if errors.Is(err, sql.ErrNoRows) {
		// Counted but gone since (a write committed between the two
		// reads): the group has no open finding left to date.
		return nil
	}
	if err != nil {
		return fmt.Errorf("oldest open finding of a group: %w", err)
	}
	g.OldestOpened = fromMicros(us)
	return nil
}
