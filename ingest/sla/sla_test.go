package sla

import (
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

func TestFromDays(t *testing.T) {
	for _, tc := range []struct {
		name               string
		provider, customer Days
		want               map[report.Responsible]map[report.Severity]int
		err                string
	}{
		{name: "defaults", want: map[report.Responsible]map[report.Severity]int{
			report.ResponsibleProvider: {report.SeverityCritical: 7, report.SeverityHigh: 30, report.SeverityMedium: 90, report.SeverityLow: 180},
			report.ResponsibleCustomer: {report.SeverityCritical: 7, report.SeverityHigh: 30, report.SeverityMedium: 90, report.SeverityLow: 180},
		}},
		{name: "customer follows the provider", provider: Days{"critical": 3, "low": 0}, want: map[report.Responsible]map[report.Severity]int{
			report.ResponsibleProvider: {report.SeverityCritical: 3, report.SeverityHigh: 30, report.SeverityMedium: 90},
			report.ResponsibleCustomer: {report.SeverityCritical: 3, report.SeverityHigh: 30, report.SeverityMedium: 90},
		}},
		{name: "customer configured", provider: Days{"critical": 3}, customer: Days{"high": 60}, want: map[report.Responsible]map[report.Severity]int{
			report.ResponsibleProvider: {report.SeverityCritical: 3, report.SeverityHigh: 30, report.SeverityMedium: 90, report.SeverityLow: 180},
			report.ResponsibleCustomer: {report.SeverityCritical: 7, report.SeverityHigh: 60, report.SeverityMedium: 90, report.SeverityLow: 180},
		}},
		{name: "unknown severity", provider: Days{"urgent": 1}, err: "sla.provider.urgent"},
		{name: "info has none", customer: Days{"info": 1}, err: "sla.customer.info"},
		{name: "negative", provider: Days{"high": -1}, err: "-1 days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := FromDays(tc.provider, tc.customer)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, party := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
				for _, sev := range report.Severities {
					d, ok := p.Target(party, sev)
					want, wok := tc.want[party][sev]
					if ok != wok || d != time.Duration(want)*Day {
						t.Errorf("%s %s: %v %v, want %d days %v", party, sev, d, ok, want, wok)
					}
				}
			}
		})
	}
}

// TestClock: a provider-critical finding goes ok → due → breached as the
// injected clock moves, at the SLA's instants exactly.
func TestClock(t *testing.T) {
	opened := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	p := Default()
	for _, tc := range []struct {
		after time.Duration
		want  string
	}{
		{0, OK}, // 7 days: due a moment after the start
		{-time.Hour, OK},
		{time.Microsecond, Due},
		{7*Day - time.Microsecond, Due},
		{7 * Day, Breached},
		{30 * Day, Breached},
	} {
		fs := []store.Finding{{Finding: report.Finding{Severity: report.SeverityCritical, Responsible: report.ResponsibleProvider}, OpenedAt: opened}}
		p.Annotate(opened.Add(tc.after), fs)
		if fs[0].SLAState != tc.want || !fs[0].SLADue.Equal(opened.Add(7*Day)) {
			t.Errorf("+%v: %s due %v, want %s due %v", tc.after, fs[0].SLAState, fs[0].SLADue, tc.want, opened.Add(7*Day))
		}
	}
	for _, tc := range []struct {
		after time.Duration
		want  string
	}{{0, OK}, {23 * Day, OK}, {23*Day + time.Microsecond, Due}, {30*Day - time.Microsecond, Due}, {30 * Day, Breached}} {
		fs := []store.Finding{{Finding: report.Finding{Severity: report.SeverityHigh, Responsible: report.ResponsibleCustomer}, OpenedAt: opened}}
		p.Annotate(opened.Add(tc.after), fs)
		if fs[0].SLAState != tc.want {
			t.Errorf("high +%v: %s, want %s", tc.after, fs[0].SLAState, tc.want)
		}
	}
	resolved := opened.Add(Day)
	fs := []store.Finding{
		{Finding: report.Finding{Severity: report.SeverityInfo, Responsible: report.ResponsibleProvider}, OpenedAt: opened},
		{Finding: report.Finding{Severity: report.SeverityCritical, Responsible: report.ResponsibleProvider}, OpenedAt: opened, ResolvedAt: &resolved},
	}
	p.Annotate(opened.Add(100*Day), fs)
	if fs[0].SLAState != None || fs[0].SLADue != nil || fs[1].SLAState != "" || fs[1].SLADue != nil {
		t.Errorf("info and resolved: %+v %+v", fs[0], fs[1])
	}
}

// TestWindows: a finding is in the breached or due window exactly when
// Annotate gives it that state.
func TestWindows(t *testing.T) {
	p := Default()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, age := range []time.Duration{0, 6 * Day, 7 * Day, 23 * Day, 23*Day + time.Hour, 30 * Day, 31 * Day, 200 * Day} {
		for _, sev := range []report.Severity{report.SeverityCritical, report.SeverityHigh, report.SeverityLow, report.SeverityInfo} {
			f := store.Finding{Finding: report.Finding{Severity: sev, Responsible: report.ResponsibleProvider}, OpenedAt: now.Add(-age)}
			fs := []store.Finding{f}
			p.Annotate(now, fs)
			for _, state := range []string{Breached, Due} {
				in := false
				for _, w := range p.Windows(now, state) {
					if w.Responsible == f.Responsible && w.Severity == f.Severity && f.OpenedAt.Before(w.Before) && !f.OpenedAt.Before(w.From) {
						in = true
					}
				}
				if in != (fs[0].SLAState == state) {
					t.Errorf("%s aged %v: state %s, in the %s window %v", sev, age, fs[0].SLAState, state, in)
				}
			}
		}
	}
}

func TestMarkdown(t *testing.T) {
	share := 0.75
	m := Month{Tenant: "a*b|c", Month: "2026-11", End: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Share: &share,
		WithinTotal: 3, ResolvedTotal: 4, OpenBreached: 2,
		Resolved: []store.ResolvedCount{{Severity: report.SeverityCritical, Resolved: 4, Within: 3}},
		Targets:  map[report.Severity]int{report.SeverityCritical: 7}}
	md := m.Markdown()
	for _, want := range []string{"# Provider SLA report, 2026-11 (tenant a\\*b\\|c)", "Resolved within SLA: 75.0 % (3 of 4)",
		"Open past SLA at 2026-12-01 00:00 UTC: 2", "| critical | 7 | 4 | 3 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if _, err := ParseMonth("2026-13"); err == nil {
		t.Error("month 13 parsed")
	}
}

// TestCrossed: a finding is in the span in which it comes into its state,
// in exactly one of consecutive spans.
func TestCrossed(t *testing.T) {
	p := Default()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	crit := 7 * Day
	in := func(ws []store.AgeWindow, opened time.Time) bool {
		for _, w := range ws {
			if w.Severity == report.SeverityCritical && !opened.Before(w.From) && opened.Before(w.Before) {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		name     string
		state    string
		opened   time.Time
		from, to time.Time
		want     bool
	}{
		{"breached in span", Breached, t0, t0.Add(crit - time.Hour), t0.Add(crit + time.Hour), true},
		{"breached at span end", Breached, t0, t0.Add(crit - time.Hour), t0.Add(crit), true},
		{"breached at span start: the span before", Breached, t0, t0.Add(crit), t0.Add(crit + time.Hour), false},
		{"not yet breached", Breached, t0, t0, t0.Add(crit - time.Hour), false},
		{"due in span", Due, t0, t0.Add(crit - DueWithin - time.Hour), t0.Add(crit - DueWithin + time.Hour), true},
		{"due long ago", Due, t0, t0.Add(crit), t0.Add(crit + time.Hour), false},
	} {
		ws := p.Crossed(report.ResponsibleProvider, tc.from, tc.to, tc.state)
		if got := in(ws, tc.opened); got != tc.want {
			t.Errorf("%s: %v, want %v (%+v)", tc.name, got, tc.want, ws)
		}
	}
	for _, w := range p.Crossed(report.ResponsibleProvider, t0, t0.Add(Day), Breached) {
		if w.Responsible != report.ResponsibleProvider {
			t.Errorf("window of %s", w.Responsible)
		}
	}
}
