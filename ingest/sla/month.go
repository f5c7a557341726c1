package sla

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// Month is the monthly SLA report of the provider's findings in a scope:
// the share resolved within their SLA among those resolved in the month,
// and those open past their SLA at the month's end.
type Month struct {
	// Tenant is the tenant reported on ("" for every tenant in scope).
	Tenant string `json:"tenant"`
	// Month is "2026-11"; From and To its UTC bounds [From, To).
	Month string    `json:"month"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	// End is the instant the open counts are taken at: To, or now for
	// the month under way (Partial).
	End     time.Time `json:"end"`
	Partial bool      `json:"partial"`
	// Resolved counts the provider's findings resolved in the month per
	// severity, and how many within their SLA.
	Resolved []store.ResolvedCount `json:"resolved"`
	// ResolvedTotal and WithinTotal sum Resolved over the severities with
	// an SLA; Share is WithinTotal/ResolvedTotal (nil without any).
	ResolvedTotal int64    `json:"resolved_total"`
	WithinTotal   int64    `json:"within_total"`
	Share         *float64 `json:"share_within_sla"`
	// OpenBreached counts the provider's findings open past their SLA at
	// End.
	OpenBreached int64 `json:"open_breached_at_end"`
	// Targets are the provider's SLAs in days, by severity.
	Targets map[report.Severity]int `json:"targets_days"`
}

// ParseMonth reads "2026-11" as the first instant of that UTC month.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	return t.UTC(), nil
}

// MonthReport reads the provider's SLA report of the month starting at
// from (a UTC month start) as of now: one indexed walk of the month's
// resolutions, the open counts of store.FleetReader.OpenOlder at the
// month's end (plus the findings resolved since then). Findings resolved
// in the month but pruned by retention since are not counted, nor a
// resolution a finding's reopening has replaced.
func (p Policy) MonthReport(ctx context.Context, st store.Store, sc store.Scope, tenant string, from, now time.Time) (Month, error) {
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	m := Month{Tenant: tenant, Month: from.Format("2006-01"), From: from, To: from.AddDate(0, 1, 0), Targets: map[report.Severity]int{}}
	m.End = m.To
	if now.Before(m.To) {
		m.End, m.Partial = now, true
	}
	within := map[report.Severity]time.Duration{}
	for _, sev := range report.Severities {
		if d, ok := p.Target(report.ResponsibleProvider, sev); ok {
			within[sev] = d
			m.Targets[sev] = int(d / Day)
		}
	}
	rs, err := st.ResolvedIn(ctx, sc, store.ResolvedQuery{Tenant: tenant, Responsible: report.ResponsibleProvider,
		From: m.From, To: m.End, Within: within})
	if err != nil {
		return m, fmt.Errorf("sla report %s: %w", m.Month, err)
	}
	m.Resolved = rs
	for _, r := range rs {
		if _, ok := within[r.Severity]; ok {
			m.ResolvedTotal += r.Resolved
			m.WithinTotal += r.Within
		}
	}
	if m.ResolvedTotal > 0 {
		share := float64(m.WithinTotal) / float64(m.ResolvedTotal)
		m.Share = &share
	}
	at := m.End
	if m.Partial {
		at = time.Time{} // open now
	}
	if !m.End.After(m.From) {
		return m, nil // a month not begun
	}
	counts, err := p.countAt(ctx, st, sc, tenant, m.End, at)
	if err != nil {
		return m, fmt.Errorf("sla report %s: %w", m.Month, err)
	}
	m.OpenBreached = counts.Provider.Breached
	return m, nil
}

// Markdown is the report as a Markdown document.
func (m Month) Markdown() string {
	var b strings.Builder
	who := "all tenants"
	if m.Tenant != "" {
		who = "tenant " + mdEscape(m.Tenant)
	}
	fmt.Fprintf(&b, "# Provider SLA report, %s (%s)\n\n", m.Month, who)
	if m.Partial {
		fmt.Fprintf(&b, "Month under way: figures as of %s.\n\n", m.End.Format(time.RFC3339))
	}
	share := "no provider finding resolved"
	if m.Share != nil {
		share = fmt.Sprintf("%.1f %% (%d of %d)", *m.Share*100, m.WithinTotal, m.ResolvedTotal)
	}
	fmt.Fprintf(&b, "- Resolved within SLA: %s\n", share)
	fmt.Fprintf(&b, "- Open past SLA at %s: %d\n\n", m.End.Format("2006-01-02 15:04 MST"), m.OpenBreached)
	b.WriteString("| Severity | SLA (days) | Resolved | Within SLA |\n|---|---:|---:|---:|\n")
	got := map[report.Severity]store.ResolvedCount{}
	for _, r := range m.Resolved {
		got[r.Severity] = r
	}
	for _, sev := range report.Severities {
		days, ok := m.Targets[sev]
		r := got[sev]
		if !ok && r.Resolved == 0 {
			continue
		}
		target := "none"
		if ok {
			target = fmt.Sprint(days)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d |\n", sev, target, r.Resolved, r.Within)
	}
	return b.String()
}

// mdEscape keeps a tenant name from being read as Markdown.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "|", `\|`, "<", "&lt;", "#", `\#`)
	return r.Replace(s)
}
