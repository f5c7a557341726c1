package sla

import (
	"context"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// monthStore answers the two reads of a monthly report and records them.
type monthStore struct {
	store.Store
	resolved []store.ResolvedCount
	asked    store.ResolvedQuery
	at       time.Time
	ages     []store.AgeCount
}

func (m *monthStore) ResolvedIn(_ context.Context, _ store.Scope, q store.ResolvedQuery) ([]store.ResolvedCount, error) {
	m.asked = q
	return m.resolved, nil
}

// AckedOlder: no finding of the test is acknowledged.
func (m *monthStore) AckedOlder(_ context.Context, _ store.Scope, _ string, _ time.Time, qs []store.AgeCount) ([]int64, error) {
	return make([]int64, len(qs)), nil
}

func (m *monthStore) OpenOlder(_ context.Context, _ store.Scope, _ string, at time.Time, qs []store.AgeCount) ([]int64, error) {
	m.at, m.ages = at, qs
	out := make([]int64, len(qs))
	for i, q := range qs {
		if q.Responsible == report.ResponsibleProvider {
			out[i] = int64(10 + i) // breached cutoffs are the even ones
		}
	}
	return out, nil
}

func TestMonthReport(t *testing.T) {
	p, err := FromDays(Days{"low": 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := &monthStore{resolved: []store.ResolvedCount{
		{Severity: report.SeverityCritical, Resolved: 4, Within: 3},
		{Severity: report.SeverityHigh, Resolved: 6, Within: 6},
		{Severity: report.SeverityLow, Resolved: 9}, // no SLA: not in the share
	}}
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	// A past month: resolutions in November, open counts at its end.
	m, err := p.MonthReport(t.Context(), st, store.AllTenants(), "acme", nov.Add(5*24*time.Hour), end.Add(40*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if m.Month != "2026-11" || !m.From.Equal(nov) || !m.To.Equal(end) || !m.End.Equal(end) || m.Partial {
		t.Errorf("month %+v", m)
	}
	if q := st.asked; q.Tenant != "acme" || q.Responsible != report.ResponsibleProvider || !q.From.Equal(nov) || !q.To.Equal(end) ||
		q.Within[report.SeverityCritical] != 7*Day || len(q.Within) != 3 {
		t.Errorf("asked %+v", q)
	}
	if m.ResolvedTotal != 10 || m.WithinTotal != 9 || m.Share == nil || *m.Share != 0.9 {
		t.Errorf("share: %d of %d, %v", m.WithinTotal, m.ResolvedTotal, m.Share)
	}
	if !st.at.Equal(end) || !st.ages[0].Before.Equal(end.Add(-7*Day).Add(time.Microsecond)) {
		t.Errorf("open counts asked at %v before %v", st.at, st.ages[0].Before)
	}
	if m.OpenBreached != 10+12+14 { // the provider's three breached cutoffs
		t.Errorf("open breached %d", m.OpenBreached)
	}

	// The month under way: up to now, the open counts now.
	now := end.Add(-2 * 24 * time.Hour)
	m, err = p.MonthReport(t.Context(), st, store.AllTenants(), "", nov, now)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Partial || !m.End.Equal(now) || !st.asked.To.Equal(now) || !st.at.IsZero() {
		t.Errorf("month under way: %+v, asked to %v, open at %v", m, st.asked.To, st.at)
	}

	// Nothing resolved: no share.
	st.resolved = nil
	if m, _ = p.MonthReport(t.Context(), st, store.AllTenants(), "", nov, now); m.Share != nil {
		t.Errorf("share %v without resolutions", *m.Share)
	}
}
