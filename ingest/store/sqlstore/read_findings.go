package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// lastSeenExpr is a finding's last sighting: an open, verified finding
// was in its host's latest report.
const lastSeenExpr = `(CASE WHEN f.resolved_at IS NULL AND f.unverified_since IS NULL THEN h.scanned_at ELSE f.last_seen END)`

const findingSelect = `SELECT f.host_id, f.finding_id, f.tenant, f.kind, f.layer, f.product, f.installed, f.latest,
f.cycle, f.eol_date, f.severity, f.responsible, f.rule, f.rationale, f.remediation, f.evidence, f.blocked_by,
f.first_seen, f.opened_at, ` + lastSeenExpr + `, f.resolved_at, h.hostname, h.tier, f.unverified_since, f.reason, f.reason_at
FROM findings f JOIN hosts h ON h.host_id = f.host_id`

var findingSorts = map[string]sortSpec{
	"":           {cols: []string{"f.opened_at", "f.host_id", "f.finding_id"}, ints: []bool{true, false, false}},
	"opened_at":  {cols: []string{"f.opened_at", "f.host_id", "f.finding_id"}, ints: []bool{true, false, false}},
	"severity":   {cols: []string{"f.sev_rank", "f.opened_at", "f.host_id", "f.finding_id"}, ints: []bool{true, true, false, false}},
	"-last_seen": {cols: []string{lastSeenExpr, "f.host_id", "f.finding_id"}, ints: []bool{true, false, false}, desc: true},
}

// Findings lists findings in scope.
func (s *Store) Findings(ctx context.Context, sc store.Scope, f store.FindingFilter, p store.Page) (store.FindingPage, error) {
	p = p.Clamp()
	order, ok := findingSorts[f.Sort]
	if !ok {
		return store.FindingPage{}, fmt.Errorf("finding sort %q: %w", f.Sort, store.ErrInvalid)
	}
	w, err := findingWhere(sc, f)
	if err != nil {
		return store.FindingPage{}, err
	}
	cond, args, err := order.after(p.Cursor)
	if err != nil {
		return store.FindingPage{}, err
	}
	if cond != "" {
		w.add(cond, args...)
	}
	page := store.FindingPage{Findings: []store.Finding{}}
	var parts []store.FindingFilter
	switch {
	case perSeverity(f, order):
		// Open findings by opening, of every severity: one range of
		// findings_open_sev (findings_open_tenant_sev) per severity; no
		// index of open findings by opening alone is kept (migration 22),
		// two fewer entries to write per open finding.
		for _, sev := range report.Severities {
			g := f
			g.Severity = sev
			parts = append(parts, g)
		}
	case f.ByAge && len(f.Ages) > 1:
		// One bounded index range per window (findings_open_sev or
		// findings_open_tenant_sev: a severity, an opened_at range): an OR
		// of the windows would make the database walk every open finding
		// to find none.
		for _, a := range mergeWindows(f.Ages) {
			g := f
			g.Ages = []store.AgeWindow{a}
			parts = append(parts, g)
		}
	}
	if parts != nil {
		// Each part's first page, merged here.
		for _, g := range parts {
			wg, err := findingWhere(sc, g)
			if err != nil {
				return store.FindingPage{}, err
			}
			if cond != "" {
				wg.add(cond, args...)
			}
			if page.Findings, err = s.findingRows(ctx, wg, order, p.Limit+1, page.Findings); err != nil {
				return store.FindingPage{}, err
			}
		}
		slices.SortFunc(page.Findings, order.compare)
		page.Findings = page.Findings[:min(len(page.Findings), p.Limit+1)]
	} else if page.Findings, err = s.findingRows(ctx, w, order, p.Limit+1, page.Findings); err != nil {
		return store.FindingPage{}, err
	}
	if len(page.Findings) > p.Limit {
		page.Findings = page.Findings[:p.Limit]
		l := page.Findings[p.Limit-1]
		switch order.cols[0] {
		case "f.sev_rank":
			page.Next = encodeCursor(l.Severity.Rank(), micros(l.OpenedAt), l.HostID, l.ID)
		case "f.opened_at":
			page.Next = encodeCursor(micros(l.OpenedAt), l.HostID, l.ID)
		default:
			page.Next = encodeCursor(micros(l.LastSeen), l.HostID, l.ID)
		}
	}
	return page, nil
}

// perSeverity reports whether a list of findings by opening is read one
// severity at a time: open findings of every severity, not narrowed to one
// host (a host's own are few: its primary key range) nor to SLA windows
// (their own ranges).
func perSeverity(f store.FindingFilter, order sortSpec) bool {
	open := f.Status == "" || f.Status == store.StatusOpen
	return open && order.cols[0] == "f.opened_at" && f.Severity == "" && f.HostID == "" && !f.ByAge
}

// findingRows appends to out up to limit findings matching w in order.
func (s *Store) findingRows(ctx context.Context, w *where, order sortSpec, limit int, out []store.Finding) ([]store.Finding, error) {
	q := s.rebind(findingSelect + w.sql() + order.orderBy() + " LIMIT ?")
	rows, err := s.r.QueryContext(ctx, q, append(slices.Clone(w.args), limit)...)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		fd, err := scanFinding(rows)
		if err != nil {
			return nil, fmt.Errorf("list findings: %w", err)
		}
		out = append(out, fd)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	return out, nil
}

// compare orders two findings as the sort's keyset does.
func (o sortSpec) compare(a, b store.Finding) int {
	var c int
	switch o.cols[0] {
	case "f.sev_rank":
		c = cmp.Or(cmp.Compare(a.Severity.Rank(), b.Severity.Rank()), a.OpenedAt.Compare(b.OpenedAt))
	case "f.opened_at":
		c = a.OpenedAt.Compare(b.OpenedAt)
	default:
		c = a.LastSeen.Compare(b.LastSeen)
	}
	c = cmp.Or(c, cmp.Compare(a.HostID, b.HostID), cmp.Compare(a.ID, b.ID))
	if o.desc {
		return -c
	}
	return c
}

// mergeWindows joins the windows of the two parties that cover the same
// severity and span into one of either party (Responsible ""), so that
// the default policy reads one range per severity.
func mergeWindows(ws []store.AgeWindow) []store.AgeWindow {
	var out []store.AgeWindow
	for _, w := range ws {
		i := slices.IndexFunc(out, func(o store.AgeWindow) bool {
			return o.Severity == w.Severity && o.From.Equal(w.From) && o.Before.Equal(w.Before)
		})
		switch {
		case i < 0:
			out = append(out, w)
		case out[i].Responsible != w.Responsible:
			out[i].Responsible = ""
		}
	}
	return out
}

func findingWhere(sc store.Scope, f store.FindingFilter) (*where, error) {
	w := &where{}
	cond, args := scopeWhere(sc, "f.tenant")
	w.add(cond, args...)
	switch f.Status {
	case "", store.StatusOpen:
		w.add("f.resolved_at IS NULL")
	case store.StatusResolved:
		w.add("f.resolved_at IS NOT NULL")
	case store.StatusAny:
	default:
		return nil, fmt.Errorf("finding status %q: %w", f.Status, store.ErrInvalid)
	}
	for _, c := range []struct{ col, val string }{
		{"f.tenant", f.Tenant}, {"f.host_id", f.HostID}, {"f.responsible", string(f.Responsible)},
		{"f.severity", string(f.Severity)}, {"f.kind", string(f.Kind)}, {"f.layer", string(f.Layer)},
		{"f.product_key", strings.ToLower(f.Product)}, {"h.tier", string(f.Tier)},
	} {
		if c.val != "" {
			w.add(c.col+" = ?", c.val)
		}
	}
	if f.ByAge {
		w.add("f.resolved_at IS NULL")
		if len(f.Ages) == 0 {
			w.add("1 = 0")
		}
		var parts []string
		var args []any
		for _, a := range f.Ages {
			c := "(f.sev_rank = ? AND f.opened_at < ?"
			args = append(args, a.Severity.Rank(), micros(a.Before))
			if a.Responsible != "" {
				c += " AND f.responsible = ?"
				args = append(args, string(a.Responsible))
			}
			if !a.From.IsZero() {
				c += " AND f.opened_at >= ?"
				args = append(args, micros(a.From))
			}
			parts = append(parts, c+")")
		}
		if len(parts) > 0 {
			w.add("("+strings.Join(parts, " OR ")+")", args...)
		}
	}
	if f.Severity != "" {
		// The same rows, but the severity-ordered index can seek to them.
		w.add("f.sev_rank = ?", f.Severity.Rank())
	}
	return w, nil
}

func scanFinding(r scanner) (store.Finding, error) {
	var f store.Finding
	var kind, layer, sev, resp, evidence, tier string
	var first, opened, last int64
	var resolved, unverified, reasonAt *int64
	var reason *string
	err := r.Scan(&f.HostID, &f.ID, &f.Tenant, &kind, &layer, &f.Product, &f.Installed, &f.Latest,
		&f.Cycle, &f.EOLDate, &sev, &resp, &f.Rule, &f.Rationale, &f.Remediation, &evidence, &f.BlockedBy,
		&first, &opened, &last, &resolved, &f.Hostname, &tier, &unverified, &reason, &reasonAt)
	if err != nil {
		return f, err
	}
	if reason != nil && *reason != "" {
		f.Reason = *reason
		if reasonAt != nil {
			t := fromMicros(*reasonAt)
			f.ReasonAt = &t
		}
	}
	f.Kind, f.Layer, f.Severity = report.Kind(kind), report.Layer(layer), report.Severity(sev)
	f.Responsible, f.Tier = report.Responsible(resp), report.Tier(tier)
	f.FirstSeen, f.OpenedAt, f.LastSeen = fromMicros(first), fromMicros(opened), fromMicros(last)
	if resolved != nil {
		t := fromMicros(*resolved)
		f.ResolvedAt = &t
	}
	if unverified != nil {
		t := fromMicros(*unverified)
		f.UnverifiedSince = &t
	}
	if err := json.Unmarshal([]byte(evidence), &f.Evidence); err != nil {
		return f, fmt.Errorf("decode evidence: %w", err)
	}
	if len(f.Evidence) == 0 {
		f.Evidence = nil
	}
	return f, nil
}
