package storetest

import (
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// ageInstants are cutoffs around the test fleet's open stretches: on and
// off UTC midnights, a microsecond either side of one.
func ageInstants() []time.Time {
	var out []time.Time
	for h := -30; h <= 14*24; h += 17 {
		out = append(out, t0.Add(time.Duration(h)*time.Hour))
	}
	m := t0.Truncate(24 * time.Hour).Add(48 * time.Hour)
	return append(out, m, m.Add(-time.Microsecond), m.Add(time.Microsecond))
}

// ageMatchesListing compares OpenOlder (the fleet_open_age aggregate plus
// the count within the cutoff's day, and the findings resolved since an
// instant) with counts of every finding listed, and ResolvedIn with the
// listed resolutions.
func ageMatchesListing(t *testing.T, s store.Store, sc store.Scope, tenant string) {
	forged := !sc.All() && tenant != "" && tenant != sc.Tenant()
	t.Helper()
	fs := allFindings(t, s, sc, store.FindingFilter{Status: store.StatusAny, Tenant: tenant})
	var qs []store.AgeCount
	for _, before := range ageInstants() {
		for _, party := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
			for _, sev := range report.Severities {
				qs = append(qs, store.AgeCount{Responsible: party, Severity: sev, Before: before})
			}
		}
	}
	for _, at := range []time.Time{{}, t0.Add(3 * 24 * time.Hour), t0.Add(9*24*time.Hour + 5*time.Hour)} {
		var ask []store.AgeCount
		for _, q := range qs {
			if at.IsZero() || !q.Before.After(at) {
				ask = append(ask, q)
			}
		}
		got, err := s.OpenOlder(t.Context(), sc, tenant, at, ask)
		if err != nil {
			t.Fatal(err)
		}
		nonzero := 0
		for i, q := range ask {
			var want int64
			for _, f := range fs {
				open := f.ResolvedAt == nil || (!at.IsZero() && f.ResolvedAt.After(at))
				if open && f.Responsible == q.Responsible && f.Severity == q.Severity && f.OpenedAt.Before(q.Before) {
					want++
				}
			}
			if got[i] != want {
				t.Errorf("scope %+v tenant %q at %v: %s %s open before %v: %d, listed %d", sc, tenant, at, q.Responsible, q.Severity, q.Before, got[i], want)
			}
			if want > 0 {
				nonzero++
			}
		}
		if forged && nonzero > 0 {
			t.Errorf("scope %+v asking for tenant %q: %d counts of another tenant", sc, tenant, nonzero)
		}
		if nonzero == 0 && !forged {
			t.Errorf("scope %+v at %v: every count is 0: the test proves nothing", sc, at)
		}
	}
	within := map[report.Severity]time.Duration{report.SeverityCritical: 20 * time.Hour, report.SeverityHigh: 3 * 24 * time.Hour,
		report.SeverityMedium: 30 * time.Hour}
	for _, span := range [][2]time.Time{{t0, t0.Add(5 * 24 * time.Hour)}, {t0.Add(2 * 24 * time.Hour), t0.Add(40 * 24 * time.Hour)}} {
		for _, party := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
			q := store.ResolvedQuery{Tenant: tenant, Responsible: party, From: span[0], To: span[1], Within: within}
			got, err := s.ResolvedIn(t.Context(), sc, q)
			if err != nil {
				t.Fatal(err)
			}
			want := map[report.Severity]store.ResolvedCount{}
			for _, f := range fs {
				if f.ResolvedAt == nil || f.Responsible != party || f.ResolvedAt.Before(span[0]) || !f.ResolvedAt.Before(span[1]) {
					continue
				}
				c := want[f.Severity]
				c.Severity = f.Severity
				c.Resolved++
				if d, ok := within[f.Severity]; ok && f.ResolvedAt.Sub(f.OpenedAt) <= d {
					c.Within++
				}
				want[f.Severity] = c
			}
			if len(got) != len(want) {
				t.Errorf("scope %+v %s resolved in %v: %v, listed %v", sc, party, span, got, want)
			}
			for i, c := range got {
				if c != want[c.Severity] || (i > 0 && got[i-1].Severity.Rank() >= c.Severity.Rank()) {
					t.Errorf("scope %+v %s resolved in %v: %v, listed %v", sc, party, span, got, want)
				}
			}
		}
	}
}

// testSLAWindows: the findings filter of SLA windows keeps the open
// findings of each window's party and severity opened in [From, Before),
// and nothing when asked with no window.
func testSLAWindows(t *testing.T, s store.Store) {
	twoTenants(t, s)
	sc := store.AllTenants()
	open := allFindings(t, s, sc, store.FindingFilter{})
	if len(open) == 0 {
		t.Fatal("no open finding")
	}
	mid := open[len(open)/2].OpenedAt
	ws := []store.AgeWindow{
		{Responsible: report.ResponsibleProvider, Severity: report.SeverityHigh, Before: mid.Add(time.Microsecond)},
		{Responsible: report.ResponsibleCustomer, Severity: report.SeverityLow, From: mid, Before: mid.Add(48 * time.Hour)},
	}
	for _, a := range open {
		ws = append(ws, store.AgeWindow{Responsible: a.Responsible, Severity: a.Severity, Before: a.OpenedAt.Add(time.Microsecond), From: a.OpenedAt})
		break
	}
	// The same span for both parties: one window of either.
	ws = append(ws, store.AgeWindow{Responsible: report.ResponsibleProvider, Severity: report.SeverityMedium, Before: mid},
		store.AgeWindow{Responsible: report.ResponsibleCustomer, Severity: report.SeverityMedium, Before: mid})
	for _, sort := range store.FindingSorts {
		windowsMatch(t, s, sc, ws, sort)
	}
	if none := allFindings(t, s, sc, store.FindingFilter{ByAge: true}); len(none) != 0 {
		t.Errorf("no window: %d findings, want none", len(none))
	}
}

func windowsMatch(t *testing.T, s store.Store, sc store.Scope, ws []store.AgeWindow, sort string) {
	t.Helper()
	got := allFindings(t, s, sc, store.FindingFilter{ByAge: true, Ages: ws, Sort: sort})
	var want []string
	for _, f := range allFindings(t, s, sc, store.FindingFilter{Sort: sort}) {
		for _, w := range ws {
			if f.Responsible == w.Responsible && f.Severity == w.Severity && f.OpenedAt.Before(w.Before) && !f.OpenedAt.Before(w.From) {
				want = append(want, f.HostID+"/"+f.ID)
				break
			}
		}
	}
	var ids []string
	for _, f := range got {
		ids = append(ids, f.HostID+"/"+f.ID)
	}
	if len(want) == 0 || len(ids) != len(want) {
		t.Fatalf("sort %s, windows %v: %d findings, want %d", sort, ws, len(ids), len(want))
	}
	for i := range ids {
		if ids[i] != want[i] {
			t.Fatalf("sort %s, windows: %v, want %v", sort, ids, want)
		}
	}
}
