package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The full recounts of the fleet aggregates: what they must equal.
const (
	recountFleetHosts = `SELECT h.tenant, h.tier, h.os_id, h.os_version_id, COUNT(*),
SUM(CASE WHEN h.collector_failures <> '' THEN 1 ELSE 0 END),
SUM(CASE WHEN EXISTS (SELECT 1 FROM findings f WHERE f.host_id = h.host_id AND f.resolved_at IS NULL
AND f.kind = 'eol' AND f.layer = 'operating_system') THEN 1 ELSE 0 END)
FROM hosts h GROUP BY h.tenant, h.tier, h.os_id, h.os_version_id`
	sumFleetHosts = `SELECT tenant, tier, os_id, os_version_id, SUM(hosts), SUM(failing), SUM(os_eol) FROM fleet_hosts
GROUP BY tenant, tier, os_id, os_version_id HAVING SUM(hosts) <> 0 OR SUM(failing) <> 0 OR SUM(os_eol) <> 0`
	recountFleetFindings = `SELECT f.tenant, h.tier, f.responsible, f.severity, f.kind, f.layer, f.product_key, f.cycle,
COUNT(*), COUNT(DISTINCT f.host_id)
FROM findings f JOIN hosts h ON h.host_id = f.host_id WHERE f.resolved_at IS NULL
GROUP BY f.tenant, h.tier, f.responsible, f.severity, f.kind, f.layer, f.product_key, f.cycle`
	recountFleetTrend = `SELECT tenant, responsible, day, SUM(o), SUM(r) FROM (
SELECT tenant, responsible, CASE WHEN opened_at >= 0 THEN (opened_at + 86399999999) / 86400000000 ELSE -((-opened_at) / 86400000000) END AS day, 1 AS o, 0 AS r
FROM findings WHERE resolved_at IS NULL OR resolved_at > opened_at
UNION ALL
SELECT tenant, responsible, CASE WHEN resolved_at >= 0 THEN (resolved_at + 86399999999) / 86400000000 ELSE -((-resolved_at) / 86400000000) END, 0, 1
FROM findings WHERE resolved_at > opened_at
) x GROUP BY tenant, responsible, day`
	sumFleetTrend = `SELECT tenant, responsible, day, SUM(opened), SUM(resolved) FROM fleet_trend
GROUP BY tenant, responsible, day HAVING SUM(opened) <> 0 OR SUM(resolved) <> 0`
	recountFleetAge = `SELECT tenant, responsible, severity,
CASE WHEN opened_at >= 0 THEN opened_at / 86400000000 ELSE -((-opened_at + 86399999999) / 86400000000) END AS day, COUNT(*)
FROM findings WHERE resolved_at IS NULL GROUP BY tenant, responsible, severity, day`
	sumFleetAge = `SELECT tenant, responsible, severity, day, SUM(findings) FROM fleet_open_age
GROUP BY tenant, responsible, severity, day HAVING SUM(findings) <> 0`
	recountFleetUpdates = `SELECT tenant, name, COUNT(DISTINCT host_id), COUNT(DISTINCT CASE WHEN sec_rank = 0 THEN host_id END)
FROM host_updates GROUP BY tenant, name`
	sumFleetUpdates = `SELECT tenant, name, SUM(hosts), SUM(security_hosts) FROM fleet_updates
GROUP BY tenant, name HAVING SUM(hosts) <> 0 OR SUM(security_hosts) <> 0`
	sumFleetFindings = `SELECT tenant, tier, responsible, severity, kind, layer, product_key, cycle, SUM(findings), SUM(hosts)
FROM fleet_findings GROUP BY tenant, tier, responsible, severity, kind, layer, product_key, cycle
HAVING SUM(findings) <> 0 OR SUM(hosts) <> 0`
)

// CheckFleet recounts the fleet aggregates from the hosts and findings
// (O(findings): for tests and bench/scale, never for a view) and returns
// an error naming the rows where they differ.
func (s *Store) CheckFleet(ctx context.Context) error {
	var diffs []string
	for _, c := range []struct {
		name, recount, sum string
		keys               int
	}{{"fleet_hosts", recountFleetHosts, sumFleetHosts, 4}, {"fleet_findings", recountFleetFindings, sumFleetFindings, 8},
		{"fleet_trend", recountFleetTrend, sumFleetTrend, 3}, {"fleet_open_age", recountFleetAge, sumFleetAge, 4},
		{"fleet_updates", recountFleetUpdates, sumFleetUpdates, 2}} {
		want, err := s.countRows(ctx, c.recount, c.keys)
		if err != nil {
			return fmt.Errorf("recount %s: %w", c.name, err)
		}
		got, err := s.countRows(ctx, c.sum, c.keys)
		if err != nil {
			return fmt.Errorf("read %s: %w", c.name, err)
		}
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if got[k] != want[k] {
				diffs = append(diffs, fmt.Sprintf("%s %s: %v, recount %v", c.name, k, got[k], want[k]))
			}
		}
		for _, k := range slices.Sorted(maps.Keys(got)) {
			if _, ok := want[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s %s: %v, recount none", c.name, k, got[k]))
			}
		}
	}
	// The ids of pending packages: none left of a package no longer pending
	// (the listing compares the rest: storetest's packagesMatchListing).
	var orphans int64
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM host_update_refs r WHERE NOT EXISTS (SELECT 1 FROM host_updates u
WHERE u.host_id = r.host_id AND u.name = r.name AND u.arch = r.arch)`).Scan(&orphans); err != nil {
		return fmt.Errorf("count host_update_refs: %w", err)
	} else if orphans > 0 {
		diffs = append(diffs, fmt.Sprintf("host_update_refs: %d rows of packages no longer pending", orphans))
	}
	if len(diffs) > 0 {
		if len(diffs) > 20 {
			diffs = append(diffs[:20], fmt.Sprintf("… %d more", len(diffs)-20))
		}
		return fmt.Errorf("fleet aggregates differ from a recount:\n%s", strings.Join(diffs, "\n"))
	}
	return nil
}

// countRows reads rows of keys text columns and then counts, keyed by the
// keys joined with "/".
func (s *Store) countRows(ctx context.Context, q string, keys int) (map[string][3]int64, error) {
	out := map[string][3]int64{}
	err := s.each(ctx, q, nil, func(r *sql.Rows) error {
		cols, err := r.Columns()
		if err != nil {
			return err
		}
		k := make([]string, keys)
		var n [3]int64
		dst := make([]any, len(cols))
		for i := range k {
			dst[i] = &k[i]
		}
		for i := keys; i < len(cols); i++ {
			dst[i] = &n[i-keys]
		}
		if err := r.Scan(dst...); err != nil {
			return err
		}
		out[strings.Join(k, "/")] = n
		return nil
	})
	return out, err
}
