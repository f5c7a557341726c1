package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

func testCreateDuplicateConflict(t *testing.T, s store.Store) {
	h := newHost(1, "acme")
	r := h.Next(t0)
	in := Incoming(t, "acme", r)
	out := save(t, s, []store.Result{store.Created}, in)
	if !out[0].Latest {
		t.Error("first report is not the host's latest")
	}
	save(t, s, []store.Result{store.Duplicate}, in)

	changed := *r
	changed.DurationMS++
	save(t, s, []store.Result{store.Conflict}, Incoming(t, "acme", &changed))
	// The same body from another tenant is not a duplicate.
	save(t, s, []store.Result{store.Conflict}, Incoming(t, "other", r))

	reps, err := s.Reports(t.Context(), store.AllTenants(), r.Host.HostID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps.Reports) != 1 {
		t.Fatalf("%d reports stored, want 1", len(reps.Reports))
	}
	body, err := s.ReportBody(t.Context(), store.TenantScope("acme"), r.ReportID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytesEqualJSON(t, body, in) {
		t.Error("stored body differs from the first report")
	}
	// A batch holding a new report and its duplicate stores it once.
	r2 := h.Next(t0.Add(time.Hour))
	in2 := Incoming(t, "acme", r2)
	save(t, s, []store.Result{store.Created, store.Duplicate}, in2, in2)
}

func testForeignHost(t *testing.T, s store.Store) {
	h := newHost(2, "acme")
	save(t, s, []store.Result{store.Created}, Incoming(t, "acme", h.Next(t0)))
	intruder := h.Next(t0.Add(time.Hour))
	save(t, s, []store.Result{store.Forbidden}, Incoming(t, "evil", intruder))
	if _, err := s.ReportBody(t.Context(), store.AllTenants(), intruder.ReportID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("forbidden report stored: err %v", err)
	}
	got := mustHost(t, s, store.AllTenants(), h.ID)
	if got.Tenant != "acme" || got.ScannedAt.Equal(intruder.ScannedAt) {
		t.Errorf("host taken over: %+v", got)
	}
}

// testOutOfOrder: the report the server received last is the host's
// state, whatever order the commits came in (two replicas): one received
// earlier is stored as history.
func testOutOfOrder(t *testing.T, s store.Store) {
	h := newHost(3, "acme")
	early := h.Next(t0)
	late := h.Next(t0.Add(2 * time.Hour))
	late.Host.Hostname = "renamed.example.net"
	late.Findings = late.Findings[:10]
	late.Summary = report.Summarize(late.Findings)
	lateIn, earlyIn := Incoming(t, "acme", late), Incoming(t, "acme", early)
	earlyIn.ReceivedAt, lateIn.ReceivedAt = t0.Add(time.Minute), t0.Add(2*time.Hour+time.Minute)
	save(t, s, []store.Result{store.Created}, lateIn)
	out := save(t, s, []store.Result{store.Created}, earlyIn)
	if out[0].Latest {
		t.Error("a report received earlier became the latest")
	}
	got := mustHost(t, s, store.AllTenants(), h.ID)
	if got.Hostname != "renamed.example.net" || !got.ScannedAt.Equal(late.ScannedAt) || got.LatestReportID != late.ReportID {
		t.Errorf("latest state overwritten by an older report: %+v", got)
	}
	open := allFindings(t, s, store.AllTenants(), store.FindingFilter{HostID: h.ID})
	if len(open) != 10 {
		t.Errorf("%d open findings, want the latest report's 10", len(open))
	}
	reps, err := s.Reports(t.Context(), store.AllTenants(), h.ID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps.Reports) != 2 || reps.Reports[0].ReportID != late.ReportID {
		t.Errorf("history %+v, want both reports, newest first", reps.Reports)
	}
}

func testFindingLifecycle(t *testing.T, s store.Store) {
	h := newHost(4, "acme")
	sc := store.TenantScope("acme")
	r1 := h.Next(t0)
	save(t, s, nil, Incoming(t, "acme", r1))
	gone := r1.Findings[0]

	r2 := h.Next(t0.Add(time.Hour))
	r2.Findings = r2.Findings[1:]
	r2.Findings[0].Installed = "9.9.9" // changed in place: still the same finding
	save(t, s, nil, Incoming(t, "acme", r2))

	resolved := allFindings(t, s, sc, store.FindingFilter{HostID: h.ID, Status: store.StatusResolved})
	if len(resolved) != 1 || resolved[0].ID != gone.ID {
		t.Fatalf("resolved %v, want [%s]", ids(resolved), gone.ID)
	}
	f := resolved[0]
	if f.ResolvedAt == nil || !f.ResolvedAt.Equal(r2.ScannedAt) || !f.LastSeen.Equal(r1.ScannedAt) || !f.FirstSeen.Equal(r1.ScannedAt) {
		t.Errorf("resolved finding times: first %v last %v resolved %v", f.FirstSeen, f.LastSeen, f.ResolvedAt)
	}
	open := allFindings(t, s, sc, store.FindingFilter{HostID: h.ID})
	if len(open) != 39 {
		t.Fatalf("%d open findings, want 39", len(open))
	}
	for _, f := range open {
		if !f.FirstSeen.Equal(r1.ScannedAt) || !f.OpenedAt.Equal(r1.ScannedAt) || !f.LastSeen.Equal(r2.ScannedAt) {
			t.Errorf("open %s: first %v opened %v last %v", f.ID, f.FirstSeen, f.OpenedAt, f.LastSeen)
		}
		if f.ID == r2.Findings[0].ID && f.Installed != "9.9.9" {
			t.Errorf("changed finding not updated: %+v", f.Finding)
		}
	}
	// It comes back: reopened, first_seen kept, opened_at moves.
	r3 := h.Next(t0.Add(2 * time.Hour)) // the host's full set again, gone included
	save(t, s, nil, Incoming(t, "acme", r3))
	back := allFindings(t, s, sc, store.FindingFilter{HostID: h.ID, Status: store.StatusAny})
	if len(back) != 40 {
		t.Fatalf("%d findings, want 40", len(back))
	}
	for _, f := range back {
		if f.ID != gone.ID {
			continue
		}
		if f.ResolvedAt != nil || !f.FirstSeen.Equal(r1.ScannedAt) || !f.OpenedAt.Equal(r3.ScannedAt) {
			t.Errorf("reopened finding: first %v opened %v resolved %v", f.FirstSeen, f.OpenedAt, f.ResolvedAt)
		}
	}
	got := mustHost(t, s, sc, h.ID)
	if got.Open != report.Summarize(r3.Findings) {
		t.Errorf("host counts %+v, want %+v", got.Open, report.Summarize(r3.Findings))
	}
}

func ids(fs []store.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.HostID + "/" + f.ID
	}
	return out
}

// testFutureDated: a report dated a day ahead (a forged report, or a host
// whose clock ran fast) once froze its host, since only a newer scanned_at
// replaced the state. The report received last is the state: the genuine
// report that arrives after it wins, everywhere "latest" is read (host,
// history, open findings and their times, counts, summary).
func testFutureDated(t *testing.T, s store.Store) {
	h := newHost(5, "acme")
	sc := store.TenantScope("acme")
	forged := h.Next(t0.Add(23 * time.Hour))
	genuine := h.Next(t0.Add(time.Minute))
	forged.Host.Hostname = "forged.example.net"
	fake := forged.Findings[0]
	fake.ID = "forged-finding"
	forged.Findings = append(forged.Findings[10:], fake) // 30 of the genuine 40 and one of its own
	forged.Summary = report.Summarize(forged.Findings)
	forgedIn, genuineIn := Incoming(t, "acme", forged), Incoming(t, "acme", genuine)
	forgedIn.ReceivedAt, genuineIn.ReceivedAt = t0, t0.Add(time.Minute)
	save(t, s, []store.Result{store.Created}, forgedIn)
	out := save(t, s, []store.Result{store.Created}, genuineIn)
	if !out[0].Latest {
		t.Error("the genuine report received after a future-dated one is not the latest")
	}
	got := mustHost(t, s, sc, h.ID)
	if got.LatestReportID != genuine.ReportID || got.Hostname != genuine.Host.Hostname || !got.ScannedAt.Equal(genuine.ScannedAt) {
		t.Errorf("host state from %s (%s, scanned %v), want the genuine report", got.LatestReportID, got.Hostname, got.ScannedAt)
	}
	if got.Open != report.Summarize(genuine.Findings) {
		t.Errorf("host counts %+v, want the genuine report's %+v", got.Open, report.Summarize(genuine.Findings))
	}
	if got.FirstSeen.After(genuine.ScannedAt) {
		t.Errorf("first seen %v, after a report scanned at %v", got.FirstSeen, genuine.ScannedAt)
	}
	reps, err := s.Reports(t.Context(), sc, h.ID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps.Reports) != 2 || reps.Reports[0].ReportID != genuine.ReportID {
		t.Errorf("history %+v, want the latest (genuine) report first", reps.Reports)
	}
	open := allFindings(t, s, sc, store.FindingFilter{HostID: h.ID})
	if len(open) != len(genuine.Findings) {
		t.Errorf("%d open findings, want the genuine report's %d", len(open), len(genuine.Findings))
	}
	for _, f := range open {
		if f.OpenedAt.After(genuine.ScannedAt) || f.FirstSeen.After(genuine.ScannedAt) || !f.LastSeen.Equal(genuine.ScannedAt) {
			t.Errorf("open %s: first %v opened %v last %v, for a report scanned at %v", f.ID, f.FirstSeen, f.OpenedAt, f.LastSeen, genuine.ScannedAt)
		}
	}
	resolved := allFindings(t, s, sc, store.FindingFilter{HostID: h.ID, Status: store.StatusResolved})
	if len(resolved) != 1 || resolved[0].ID != fake.ID {
		t.Fatalf("resolved %v, want [%s]", ids(resolved), fake.ID)
	}
	if r := resolved[0]; r.ResolvedAt == nil || !r.ResolvedAt.Equal(genuine.ScannedAt) || r.LastSeen.After(*r.ResolvedAt) {
		t.Errorf("forged finding: last seen %v, resolved %v", r.LastSeen, r.ResolvedAt)
	}
	sum, err := s.Summary(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range sum.Open {
		n += c.Count
	}
	if n != int64(len(genuine.Findings)) {
		t.Errorf("summary counts %d open findings, want %d", n, len(genuine.Findings))
	}
	// The next genuine report, received later still, carries on normally.
	next := Incoming(t, "acme", h.Next(t0.Add(time.Hour)))
	next.ReceivedAt = t0.Add(time.Hour)
	if out := save(t, s, []store.Result{store.Created}, next); !out[0].Latest {
		t.Error("the next genuine report is not the latest")
	}
}

// testSameInstant: reports of one host received at the same instant (an
// agent draining its spool in one batch) are ordered by scan time.
func testSameInstant(t *testing.T, s store.Store) {
	h := newHost(6, "acme")
	a, b := Incoming(t, "acme", h.Next(t0)), Incoming(t, "acme", h.Next(t0.Add(time.Hour)))
	a.ReceivedAt, b.ReceivedAt = t0.Add(2*time.Hour), t0.Add(2*time.Hour)
	out := save(t, s, []store.Result{store.Created, store.Created}, b, a)
	if !out[0].Latest {
		t.Error("the later scan of a batch is not the latest")
	}
	if got := mustHost(t, s, store.AllTenants(), h.ID); got.LatestReportID != b.Report.ReportID {
		t.Errorf("latest %s, want the later scan %s", got.LatestReportID, b.Report.ReportID)
	}
	reps, err := s.Reports(t.Context(), store.AllTenants(), h.ID, store.Page{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps.Reports) != 1 || reps.Reports[0].ReportID != b.Report.ReportID || reps.Next == "" {
		t.Fatalf("first history page %+v", reps)
	}
	reps, err = s.Reports(t.Context(), store.AllTenants(), h.ID, store.Page{Limit: 1, Cursor: reps.Next})
	if err != nil || len(reps.Reports) != 1 || reps.Reports[0].ReportID != a.Report.ReportID {
		t.Errorf("second history page %+v %v", reps, err)
	}
}

// testDerived: a report whose Derived (store.Derive, as the ingest
// handler computes it) comes along is stored as one without, and a
// Derived of another report is not used for it.
func testDerived(t *testing.T, s store.Store) {
	sc := store.TenantScope("acme")
	check := func(hostID string, r *report.Report) {
		t.Helper()
		want := map[string]report.Finding{}
		for _, f := range r.Findings {
			want[f.ID] = f
		}
		got := allFindings(t, s, sc, store.FindingFilter{HostID: hostID})
		if len(got) != len(want) {
			t.Fatalf("%s: %d open findings, want %d", hostID, len(got), len(want))
		}
		for _, f := range got {
			w := want[f.ID]
			if f.Installed != w.Installed || f.Severity != w.Severity || strings.Join(f.Evidence, "\n") != strings.Join(w.Evidence, "\n") {
				t.Errorf("%s/%s stored %q %s %q, want %q %s %q", hostID, f.ID, f.Installed, f.Severity, f.Evidence, w.Installed, w.Severity, w.Evidence)
			}
		}
		if h := mustHost(t, s, sc, hostID); h.Open != report.Summarize(r.Findings) {
			t.Errorf("%s: summary %+v, want %+v", hostID, h.Open, report.Summarize(r.Findings))
		}
	}
	derive := func(r *report.Report) *store.Derived {
		d, err := store.Derive(r)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	ha, hb := newHost(71, "acme"), newHost(72, "acme")
	ra := ha.Next(t0)
	in := Incoming(t, "acme", ra)
	in.Derived = derive(ra)
	save(t, s, []store.Result{store.Created}, in)
	check(ha.ID, ra)

	// The next report changes a finding; it comes with the Derived of
	// another host's report, which must not be taken for its own.
	ra2 := ha.Next(t0.Add(time.Hour))
	ra2.Findings[0].Installed = "9.9.9"
	ra2.Findings[0].Evidence = append(ra2.Findings[0].Evidence, "changed")
	stale := Incoming(t, "acme", ra2)
	stale.Derived = derive(hb.Next(t0))
	save(t, s, []store.Result{store.Created}, stale)
	check(ha.ID, ra2)
}
