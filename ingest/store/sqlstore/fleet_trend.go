package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// dayMicros is a day in microseconds.
const dayMicros = int64(24 * time.Hour / time.Microsecond)

// trendDay is the unix day of the first UTC midnight at or after us: a
// finding opened (or resolved) at us counts from that midnight on. The
// same as migration 11's expression.
func trendDay(us int64) int64 {
	if us >= 0 {
		return (us + dayMicros - 1) / dayMicros
	}
	return -(-us / dayMicros)
}

// trendKey is one finding's event in fleet_trend: its party, the day, and
// whether it is its resolution (else its opening).
type trendKey struct {
	resp     string
	day      int64
	resolved bool
}

type fleetTrendKey struct {
	tenant, resp string
	day          int64
}

func (d *fleetDelta) addTrend(tenant string, k trendKey, n int64) {
	tk := fleetTrendKey{tenant, k.resp, k.day}
	v := d.trend[tk]
	if v == nil {
		v = &[2]int64{}
		d.trend[tk] = v
	}
	if k.resolved {
		v[1] += n
	} else {
		v[0] += n
	}
}

// addFinding adds a finding's events n times to a trend share (n -1
// takes them away): its opening, and its resolution when resolved after
// it opened; a finding resolved no later than it opened never counts (it
// was open at no instant).
func addFinding(m map[trendKey]int64, resp string, opened int64, resolved *int64, n int64) {
	if resolved != nil && *resolved <= opened {
		return
	}
	m[trendKey{resp: resp, day: trendDay(opened)}] += n
	if resolved != nil {
		m[trendKey{resp: resp, day: trendDay(*resolved), resolved: true}] += n
	}
}

const (
	readShareTrend   = `SELECT responsible, severity, opened_at, resolved_at FROM findings WHERE host_id = ?`
	upsertFleetTrend = `INSERT INTO fleet_trend (tenant, responsible, day, shard, opened, resolved) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant, responsible, day, shard) DO UPDATE SET opened = fleet_trend.opened + excluded.opened, resolved = fleet_trend.resolved + excluded.resolved`
)

// readTrend reads the trend share of every finding of a host (open or
// resolved) in tx, and the open ones' share of fleet_open_age.
func (s *Store) readTrend(ctx context.Context, tx *sql.Tx, hostID string) (map[trendKey]int64, map[ageKey]int64, error) {
	st, err := s.stmt(ctx, tx, s.q.shareTrend)
	if err != nil {
		return nil, nil, err
	}
	rows, err := st.QueryContext(ctx, hostID)
	if err != nil {
		return nil, nil, fmt.Errorf("read host trend: %w", err)
	}
	defer rows.Close()
	out, ages := map[trendKey]int64{}, map[ageKey]int64{}
	for rows.Next() {
		var resp, sev string
		var opened int64
		var resolved *int64
		if err := rows.Scan(&resp, &sev, &opened, &resolved); err != nil {
			return nil, nil, fmt.Errorf("read host trend: %w", err)
		}
		addFinding(out, resp, opened, resolved, 1)
		if resolved == nil {
			ages[ageKey{resp, sev, ageDay(opened)}]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read host trend: %w", err)
	}
	return out, ages, nil
}

// applyTrend adds d's trend to the shard in tx, rows in key order.
func (s *Store) applyTrend(ctx context.Context, tx *sql.Tx, d *fleetDelta, shard int) error {
	keys := make([]fleetTrendKey, 0, len(d.trend))
	for k, v := range d.trend {
		if v[0] != 0 || v[1] != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b fleetTrendKey) int {
		return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.resp, b.resp), cmp.Compare(a.day, b.day))
	})
	for _, k := range keys {
		v := d.trend[k]
		if _, err := s.exec(ctx, tx, s.q.upsertFleetTrend, k.tenant, k.resp, k.day, shard, v[0], v[1]); err != nil {
			return fmt.Errorf("fleet trend: %w", err)
		}
	}
	return nil
}

// Trend counts, at each instant, the findings whose current open stretch
// had begun and that were not yet resolved. Findings pruned by retention
// and earlier open stretches of reopened findings are not counted. An
// instant at a UTC midnight is read from fleet_trend (O(days)); any other
// from the findings.
func (s *Store) Trend(ctx context.Context, sc store.Scope, at []time.Time) ([]store.TrendPoint, error) {
	out := make([]store.TrendPoint, len(at))
	var days []int64
	for i, t := range at {
		out[i].At = t.UTC()
		if us := micros(t); us%dayMicros == 0 {
			days = append(days, us/dayMicros)
		}
	}
	byDay, err := s.trendAt(ctx, sc, days)
	if err != nil {
		return nil, err
	}
	for i, t := range at {
		us := micros(t)
		if us%dayMicros == 0 {
			out[i].Provider, out[i].Customer = byDay[us/dayMicros][0], byDay[us/dayMicros][1]
			continue
		}
		if out[i], err = s.trendScan(ctx, sc, t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// trendAt sums fleet_trend up to each of days: provider, customer.
func (s *Store) trendAt(ctx context.Context, sc store.Scope, days []int64) (map[int64][2]int64, error) {
	out := map[int64][2]int64{}
	if len(days) == 0 {
		return out, nil
	}
	last := slices.Max(days)
	cond, args := scopeWhere(sc, "tenant")
	type step struct {
		day  int64
		p, c int64
	}
	var steps []step
	err := s.each(ctx, `SELECT day, responsible, SUM(opened) - SUM(resolved) FROM fleet_trend WHERE day <= ? AND `+cond+`
GROUP BY day, responsible ORDER BY day`, append([]any{last}, args...), func(r *sql.Rows) error {
		var st step
		var resp string
		var n int64
		err := r.Scan(&st.day, &resp, &n)
		switch report.Responsible(resp) {
		case report.ResponsibleProvider:
			st.p = n
		case report.ResponsibleCustomer:
			st.c = n
		}
		steps = append(steps, st)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	sorted := slices.Sorted(slices.Values(days))
	var p, c int64
	j := 0
	for _, d := range sorted {
		for j < len(steps) && steps[j].day <= d {
			p, c = p+steps[j].p, c+steps[j].c
			j++
		}
		out[d] = [2]int64{p, c}
	}
	return out, nil
}

// trendScan counts the open findings at t from the findings.
func (s *Store) trendScan(ctx context.Context, sc store.Scope, t time.Time) (store.TrendPoint, error) {
	cond, args := scopeWhere(sc, "tenant")
	q := `SELECT responsible, COUNT(*) FROM findings WHERE opened_at <= ? AND (resolved_at IS NULL OR resolved_at > ?) AND ` +
		cond + ` GROUP BY responsible`
	p := store.TrendPoint{At: t.UTC()}
	us := micros(t)
	err := s.each(ctx, q, append([]any{us, us}, args...), func(r *sql.Rows) error {
		var resp string
		var n int64
		err := r.Scan(&resp, &n)
		switch report.Responsible(resp) {
		case report.ResponsibleProvider:
			p.Provider = n
		case report.ResponsibleCustomer:
			p.Customer = n
		}
		return err
	})
	return p, err
}
