package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// Summary counts hosts per tier and open findings per tier, party and
// severity, the open end-of-life findings per layer (all from the fleet
// aggregates: O(groups), not O(findings)), and finds the oldest open
// provider finding (an index walk).
func (s *Store) Summary(ctx context.Context, sc store.Scope) (store.Summary, error) {
	sum, err := s.Counts(ctx, sc)
	if err != nil {
		return sum, err
	}
	cond, args := scopeWhere(sc, "tenant")
	err = s.each(ctx, `SELECT kind, layer, responsible, SUM(findings) FROM fleet_findings WHERE kind IN ('eol', 'extended_support')
AND `+cond+` GROUP BY kind, layer, responsible HAVING SUM(findings) > 0 ORDER BY kind, layer, responsible`, args, func(r *sql.Rows) error {
		var c store.LayerCount
		var kind, layer, resp string
		err := r.Scan(&kind, &layer, &resp, &c.Count)
		c.Kind, c.Layer, c.Responsible = report.Kind(kind), report.Layer(layer), report.Responsible(resp)
		sum.EOL = append(sum.EOL, c)
		return err
	})
	if err != nil {
		return sum, err
	}
	if sum.OldestProvider, err = s.oldestProvider(ctx, sc); err != nil {
		return sum, fmt.Errorf("oldest provider finding: %w", err)
	}
	return sum, nil
}

// oldestProvider finds the open provider finding with the oldest open
// stretch in scope: fleet_open_age names, per severity, the first day on
// which such a finding opened (O(severities x days) rows); one range of
// findings_open_sev (findings_open_tenant_sev) per such severity, from
// that day, finds its first provider finding within the day's openings.
// A walk of every severity's range from its start would read the
// customers' findings before the first provider one.
func (s *Store) oldestProvider(ctx context.Context, sc store.Scope) (*store.Finding, error) {
	cond, args := scopeWhere(sc, "tenant")
	firstDay := map[string]int64{}
	err := s.each(ctx, `SELECT severity, day FROM fleet_open_age WHERE responsible = 'provider' AND `+cond+
		` GROUP BY severity, day HAVING SUM(findings) > 0`, args, func(r *sql.Rows) error {
		var sev string
		var day int64
		if err := r.Scan(&sev, &day); err != nil {
			return err
		}
		if d, ok := firstDay[sev]; !ok || day < d {
			firstDay[sev] = day
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var oldest *store.Finding
	order := findingSorts[""]
	for _, sev := range report.Severities {
		day, ok := firstDay[string(sev)]
		if !ok {
			continue
		}
		w, err := findingWhere(sc, store.FindingFilter{Responsible: report.ResponsibleProvider, Severity: sev})
		if err != nil {
			return nil, err
		}
		w.add("f.opened_at >= ?", day*dayMicros)
		fs, err := s.findingRows(ctx, w, order, 1, nil)
		if err != nil {
			return nil, err
		}
		if len(fs) > 0 && (oldest == nil || order.compare(fs[0], *oldest) < 0) {
			oldest = &fs[0]
		}
	}
	return oldest, nil
}

// each runs a read query and calls fn for each row.
func (s *Store) each(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.r.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	return nil
}

// Counts is Summary without the end-of-life counts and the oldest provider
// finding: hosts per tier, hosts failing collectors and open findings per
// tier, party and severity (the metrics' fleet gauges).
func (s *Store) Counts(ctx context.Context, sc store.Scope) (store.Summary, error) {
	sum := store.Summary{Hosts: map[report.Tier]int64{}, Open: []store.Cell{}, EOL: []store.LayerCount{}}
	cond, args := scopeWhere(sc, "tenant")
	err := s.each(ctx, `SELECT tier, SUM(hosts) FROM fleet_hosts WHERE `+cond+` GROUP BY tier HAVING SUM(hosts) > 0`, args, func(r *sql.Rows) error {
		var t string
		var n int64
		err := r.Scan(&t, &n)
		sum.Hosts[report.Tier(t)] = n
		return err
	})
	if err != nil {
		return sum, err
	}
	q := s.rebind(`SELECT COALESCE(SUM(failing), 0) FROM fleet_hosts WHERE ` + cond)
	if err := s.r.QueryRowContext(ctx, q, args...).Scan(&sum.HostsFailingCollectors); err != nil {
		return sum, fmt.Errorf("count hosts failing collectors: %w", err)
	}
	err = s.each(ctx, `SELECT tier, responsible, severity, SUM(findings) FROM fleet_findings WHERE `+cond+`
GROUP BY tier, responsible, severity HAVING SUM(findings) > 0 ORDER BY tier, responsible, severity`, args, func(r *sql.Rows) error {
		var c store.Cell
		var t, resp, sev string
		err := r.Scan(&t, &resp, &sev, &c.Count)
		c.Tier, c.Responsible, c.Severity = report.Tier(t), report.Responsible(resp), report.Severity(sev)
		sum.Open = append(sum.Open, c)
		return err
	})
	if err != nil {
		return sum, err
	}
	return sum, nil
}
