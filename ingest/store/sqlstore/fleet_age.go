package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// The SLA clocks (migration 18): fleet_open_age counts open findings per
// tenant, party, severity and the UTC day their open stretch began, kept
// by the same share changes as fleet_trend. The findings of a party and
// severity open since before an instant c are the days before c's day
// (O(days) rows) plus an indexed count of the findings opened on c's day
// before c (findings_open_sev or findings_open_tenant_sev: a range of one
// day's openings of one severity). No new index on findings is needed.

// ageKey is an open finding's place in fleet_open_age.
type ageKey struct {
	resp, sev string
	day       int64
}

type fleetAgeKey struct {
	tenant string
	ageKey
}

// ageDay is the unix day (UTC) holding us: [day, day+1) days. The same as
// migration 18's expression.
func ageDay(us int64) int64 {
	if us >= 0 {
		return us / dayMicros
	}
	return -((-us + dayMicros - 1) / dayMicros)
}

const upsertFleetAge = `INSERT INTO fleet_open_age (tenant, responsible, severity, day, shard, findings) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant, responsible, severity, day, shard) DO UPDATE SET findings = fleet_open_age.findings + excluded.findings`

// applyAges adds d's ages to the shard in tx, rows in key order.
func (s *Store) applyAges(ctx context.Context, tx *sql.Tx, d *fleetDelta, shard int) error {
	keys := make([]fleetAgeKey, 0, len(d.ages))
	for k, v := range d.ages {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b fleetAgeKey) int {
		return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.resp, b.resp), cmp.Compare(a.sev, b.sev), cmp.Compare(a.day, b.day))
	})
	for _, k := range keys {
		if _, err := s.exec(ctx, tx, s.q.upsertFleetAge, k.tenant, k.resp, k.sev, k.day, shard, d.ages[k]); err != nil {
			return fmt.Errorf("fleet open age: %w", err)
		}
	}
	return nil
}

// OpenOlder counts open findings by the start of their open stretch.
func (s *Store) OpenOlder(ctx context.Context, sc store.Scope, tenant string, at time.Time, qs []store.AgeCount) ([]int64, error) {
	out := make([]int64, len(qs))
	if len(qs) == 0 {
		return out, nil
	}
	cond, args := tenantCond(sc, tenant, "tenant")
	type rs struct{ resp, sev string }
	days := map[rs][][2]int64{}
	err := s.each(ctx, `SELECT responsible, severity, day, SUM(findings) FROM fleet_open_age WHERE `+cond+`
GROUP BY responsible, severity, day HAVING SUM(findings) <> 0`, args, func(r *sql.Rows) error {
		var k rs
		var v [2]int64
		err := r.Scan(&k.resp, &k.sev, &v[0], &v[1])
		days[k] = append(days[k], v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open findings by age: %w", err)
	}
	fcond, fargs := tenantCond(sc, tenant, "f.tenant")
	within := s.rebind(`SELECT COUNT(*) FROM findings f WHERE f.resolved_at IS NULL AND ` + fcond +
		` AND f.sev_rank = ? AND f.opened_at >= ? AND f.opened_at < ? AND f.responsible = ?`)
	for i, q := range qs {
		c := micros(q.Before)
		day := ageDay(c)
		for _, v := range days[rs{string(q.Responsible), string(q.Severity)}] {
			if v[0] < day {
				out[i] += v[1]
			}
		}
		var n int64
		a := append(slices.Clone(fargs), q.Severity.Rank(), day*dayMicros, c, string(q.Responsible))
		if err := s.r.QueryRowContext(ctx, within, a...).Scan(&n); err != nil {
			return nil, fmt.Errorf("open findings by age: %w", err)
		}
		out[i] += n
		if at.IsZero() {
			continue
		}
		since, a := resolvedSinceSQL(fcond, fargs, micros(at), c, q.Severity, q.Responsible)
		if err := s.r.QueryRowContext(ctx, s.rebind(since), a...).Scan(&n); err != nil {
			return nil, fmt.Errorf("findings resolved since %s by age: %w", at.Format(time.RFC3339), err)
		}
		out[i] += n
	}
	return out, nil
}

// ResolvedIn counts the findings resolved in a span by severity, from
// findings_resolved alone: its entries over the span hold every column the
// count reads (migration 24), so no finding's row is read (on PostgreSQL,
// once vacuum has marked the rows' pages all-visible).
func (s *Store) ResolvedIn(ctx context.Context, sc store.Scope, q store.ResolvedQuery) ([]store.ResolvedCount, error) {
	query, args := resolvedInSQL(sc, q)
	var out []store.ResolvedCount
	err := s.each(ctx, query, args, func(r *sql.Rows) error {
		var c store.ResolvedCount
		var sev string
		err := r.Scan(&sev, &c.Resolved, &c.Within)
		c.Severity = report.Severity(sev)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("resolved findings: %w", err)
	}
	slices.SortFunc(out, func(a, b store.ResolvedCount) int { return cmp.Compare(a.Severity.Rank(), b.Severity.Rank()) })
	return out, nil
}

// resolvedInSQL is ResolvedIn's query and its arguments. The columns it
// reads (resolved_at, responsible, severity, tenant, opened_at) are
// findings_resolved's.
func resolvedInSQL(sc store.Scope, q store.ResolvedQuery) (string, []any) {
	var within []string
	var args []any
	for _, sev := range report.Severities {
		if d, ok := q.Within[sev]; ok {
			within = append(within, "(f.severity = ? AND f.resolved_at - f.opened_at <= ?)")
			args = append(args, string(sev), d.Microseconds())
		}
	}
	withinExpr := "0"
	if len(within) > 0 {
		withinExpr = "CASE WHEN " + strings.Join(within, " OR ") + " THEN 1 ELSE 0 END"
	}
	cond, cargs := tenantCond(sc, q.Tenant, "f.tenant")
	args = append(args, micros(q.From), micros(q.To), string(q.Responsible))
	args = append(args, cargs...)
	return `SELECT f.severity, COUNT(*), SUM(` + withinExpr + `) FROM findings f
WHERE f.resolved_at >= ? AND f.resolved_at < ? AND f.responsible = ? AND ` + cond + ` GROUP BY f.severity`, args
}

// resolvedSinceSQL counts, of the findings in fcond (its arguments fargs)
// resolved after at, those whose open stretch began before cutoff and by
// at, of one severity and party (OpenOlder at a past instant): from
// findings_resolved alone, as resolvedInSQL. It returns the query and its
// arguments.
func resolvedSinceSQL(fcond string, fargs []any, at, cutoff int64, sev report.Severity, resp report.Responsible) (string, []any) {
	args := append([]any{at}, fargs...)
	args = append(args, cutoff, at, string(sev), string(resp))
	return `SELECT COUNT(*) FROM findings f WHERE f.resolved_at > ? AND ` + fcond +
		` AND f.opened_at < ? AND f.opened_at <= ? AND f.severity = ? AND f.responsible = ?`, args
}

// tenantCond is the condition on col of scope sc narrowed to tenant
// (unless ""), and its arguments.
func tenantCond(sc store.Scope, tenant, col string) (string, []any) {
	cond, args := scopeWhere(sc, col)
	if tenant != "" {
		cond += " AND " + col + " = ?"
		args = append(args, tenant)
	}
	return cond, args
}
