// Package sla is the server's service-level policy: how long each party
// has to fix an open finding of each severity, and where a finding stands
// against it at an instant (ok, due within a week, breached). It judges
// nothing and stores nothing: the clock is the server's injected one, the
// finding's age is from the start of its current open stretch (opened_at).
package sla

import (
	"context"
	"fmt"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// DueWithin is how near its SLA's end an open finding is "due".
const DueWithin = 7 * 24 * time.Hour

// Day is one SLA day.
const Day = 24 * time.Hour

// The states of an open finding against its SLA.
const (
	OK       = "ok"
	Due      = "due"
	Breached = "breached"
	// None: the finding's party and severity have no SLA (info findings,
	// or a target configured as 0 days).
	None = "none"
)

// Policy is how long each party has, per severity; a missing or zero
// entry is no SLA.
type Policy map[report.Responsible]map[report.Severity]time.Duration

// Default is the policy without configuration: critical 7 days, high 30,
// medium 90, low 180, for the provider and the customer alike.
func Default() Policy {
	t := func() map[report.Severity]time.Duration {
		return map[report.Severity]time.Duration{
			report.SeverityCritical: 7 * Day, report.SeverityHigh: 30 * Day,
			report.SeverityMedium: 90 * Day, report.SeverityLow: 180 * Day,
		}
	}
	return Policy{report.ResponsibleProvider: t(), report.ResponsibleCustomer: t()}
}

// Days is a party's targets as configured: whole days per severity name.
type Days map[string]int

// FromDays builds a policy from configured days over the defaults: each
// party's entries replace the default ones; a party not configured takes
// the provider's configuration (customer "same unless configured"); 0 days
// is no SLA. Unknown severities and negative days are errors.
func FromDays(provider, customer Days) (Policy, error) {
	p := Default()
	for _, c := range []struct {
		party report.Responsible
		days  Days
	}{{report.ResponsibleProvider, provider}, {report.ResponsibleCustomer, customer}} {
		days := c.days
		if len(days) == 0 && c.party == report.ResponsibleCustomer {
			days = provider
		}
		for name, n := range days {
			sev := report.Severity(name)
			if !sev.Valid() || sev == report.SeverityInfo {
				return nil, fmt.Errorf("sla.%s.%s: want critical, high, medium or low", c.party, name)
			}
			if n < 0 {
				return nil, fmt.Errorf("sla.%s.%s: %d days: want 0 (no SLA) or more", c.party, name, n)
			}
			p[c.party][sev] = time.Duration(n) * Day
		}
	}
	return p, nil
}

// Target is the SLA of a party and severity (false: none).
func (p Policy) Target(party report.Responsible, sev report.Severity) (time.Duration, bool) {
	d := p[party][sev]
	return d, d > 0
}

// Due is when an open finding's SLA runs out (false: no SLA, or not open).
func (p Policy) Due(f *store.Finding) (time.Time, bool) {
	if f.ResolvedAt != nil {
		return time.Time{}, false
	}
	d, ok := p.Target(f.Responsible, f.Severity)
	if !ok {
		return time.Time{}, false
	}
	return f.OpenedAt.Add(d), true
}

// State is where a finding due at due stands at now: breached from due
// on, due in the DueWithin before it, else ok.
func State(now, due time.Time) string {
	switch {
	case !now.Before(due):
		return Breached
	case due.Sub(now) < DueWithin:
		return Due
	}
	return OK
}

// Annotate sets the SLA fields of fs as of now (resolved ones get none).
func (p Policy) Annotate(now time.Time, fs []store.Finding) {
	for i := range fs {
		f := &fs[i]
		f.SLADue, f.SLAState = nil, ""
		if f.ResolvedAt != nil {
			continue
		}
		due, ok := p.Due(f)
		if !ok {
			f.SLAState = None
			continue
		}
		f.SLADue, f.SLAState = &due, State(now, due)
	}
}

// targets lists the parties and severities with an SLA, in a fixed order.
func (p Policy) targets(yield func(report.Responsible, report.Severity, time.Duration)) {
	for _, party := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
		for _, sev := range report.Severities {
			if d, ok := p.Target(party, sev); ok {
				yield(party, sev, d)
			}
		}
	}
}

// breachCut is the first opening instant not yet breached at now with an
// SLA of d: a finding opened at now-d is breached (its SLA ran out at
// now), and the store keeps microseconds.
func breachCut(now time.Time, d time.Duration) time.Time {
	return now.Add(-d).Truncate(time.Microsecond).Add(time.Microsecond)
}

// Windows are the findings filter of a state at now (Breached or Due):
// per party and severity, the open stretches begun before now minus the
// SLA (breached) or in the week after that (due).
func (p Policy) Windows(now time.Time, state string) []store.AgeWindow {
	var out []store.AgeWindow
	p.targets(func(party report.Responsible, sev report.Severity, d time.Duration) {
		cut := breachCut(now, d)
		w := store.AgeWindow{Responsible: party, Severity: sev, Before: cut}
		if state == Due {
			w.From, w.Before = cut, now.Add(-d).Add(DueWithin)
		}
		out = append(out, w)
	})
	return out
}

// Counts are one party's open findings past and near their SLA.
type Counts struct {
	Breached int64 `json:"breached"`
	Due      int64 `json:"due"`
}

// Fleet is the SLA counts of findings per party.
type Fleet struct {
	Provider Counts `json:"provider"`
	Customer Counts `json:"customer"`
}

// Of is a party's counts.
func (f *Fleet) Of(party report.Responsible) *Counts {
	if party == report.ResponsibleProvider {
		return &f.Provider
	}
	return &f.Customer
}

// Count reads the SLA counts of the findings in scope (narrowed to tenant
// unless "") at now: two store.OpenOlder cutoffs per party and severity,
// O(days) each (see store.FleetReader.OpenOlder), less the findings
// covered by an acknowledgement live at now (store.AckStore.AckedOlder).
func (p Policy) Count(ctx context.Context, st store.Store, sc store.Scope, tenant string, now time.Time) (Fleet, error) {
	return p.countAt(ctx, st, sc, tenant, now, time.Time{})
}

func (p Policy) countAt(ctx context.Context, st store.Store, sc store.Scope, tenant string, now, at time.Time) (Fleet, error) {
	var qs []store.AgeCount
	p.targets(func(party report.Responsible, sev report.Severity, d time.Duration) {
		qs = append(qs, store.AgeCount{Responsible: party, Severity: sev, Before: breachCut(now, d)},
			store.AgeCount{Responsible: party, Severity: sev, Before: now.Add(-d).Add(DueWithin)})
	})
	var out Fleet
	ns, err := st.OpenOlder(ctx, sc, tenant, at, qs)
	if err != nil {
		return out, fmt.Errorf("sla counts: %w", err)
	}
	if at.IsZero() {
		// Accepted risks leave the counts while their acknowledgement
		// lives (listed still, with their badge).
		acked, err := st.AckedOlder(ctx, sc, tenant, now, qs)
		if err != nil {
			return out, fmt.Errorf("sla counts: %w", err)
		}
		for i := range ns {
			ns[i] -= acked[i]
		}
	}
	for i := 0; i < len(qs); i += 2 {
		c := out.Of(qs[i].Responsible)
		c.Breached += ns[i]
		c.Due += ns[i+1] - ns[i]
	}
	return out, nil
}

// Crossed are the findings filter of the party's open findings that came
// into state (Breached or Due) in (from, to]: per severity, the open
// stretches begun in the span that puts their SLA's end (breached) or the
// start of its last DueWithin (due) in it. The webhook events of SLA
// clocks are read with it, one span after another.
func (p Policy) Crossed(party report.Responsible, from, to time.Time, state string) []store.AgeWindow {
	var out []store.AgeWindow
	p.targets(func(pt report.Responsible, sev report.Severity, d time.Duration) {
		if pt != party {
			return
		}
		if state == Due {
			d -= DueWithin
		}
		out = append(out, store.AgeWindow{Responsible: party, Severity: sev, From: breachCut(from, d), Before: breachCut(to, d)})
	})
	return out
}
