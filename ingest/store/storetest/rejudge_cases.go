package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// judgeOn is the test's stand-in for the server's judgement of a report's
// observations on a tier: a copy of r with the profile of tier and every
// finding's party and rule from a small matrix (managed: the provider
// patches the OS, control panel and applications; the provider owns the
// physical host except in colocation). It is idempotent, so judging a
// report on the tier it was judged on changes nothing.
func judgeOn(r *report.Report, tier report.Tier) *report.Report {
	out := *r
	out.Profile.Tier = tier
	out.Profile.MaintenanceAgreement = tier == report.TierManaged
	out.Findings = slices.Clone(r.Findings)
	for i := range out.Findings {
		f := &out.Findings[i]
		f.Responsible = report.ResponsibleCustomer
		switch f.Layer {
		case report.LayerOperatingSystem, report.LayerControlPanel, report.LayerApplications:
			if tier == report.TierManaged {
				f.Responsible = report.ResponsibleProvider
			}
		case report.LayerPhysicalHost:
			if tier != report.TierColocation {
				f.Responsible = report.ResponsibleProvider
			}
		}
		f.Rule = fmt.Sprintf("test-matrix:%s/%s", tier, f.Layer)
	}
	out.Summary = report.Summarize(out.Findings)
	return &out
}

func rejudge(t *testing.T, s store.Store, items ...store.Rejudgement) []store.RejudgeResult {
	t.Helper()
	out, err := s.Rejudge(t.Context(), items)
	if err != nil {
		t.Fatalf("Rejudge: %v", err)
	}
	if len(out) != len(items) {
		t.Fatalf("Rejudge returned %d results for %d items", len(out), len(items))
	}
	return out
}

func rejudgement(tenant string, r *report.Report, reason string, at time.Time) store.Rejudgement {
	return store.Rejudgement{HostID: r.Host.HostID, Tenant: tenant, ReportID: r.ReportID, Report: r, Reason: reason, At: at}
}

// testRejudgeTier is issue 13's "import a changed tier": a managed host's
// record now says iaas. Without a new report its OS findings become the
// customer's, each with the reason and the time of the verdict, keeping
// when they opened; the host, its counts and the summary follow. A later
// report moving a finding clears its reason (its report moved it).
func testRejudgeTier(t *testing.T, s store.Store) {
	h := newHost(21, "acme")
	sc := store.TenantScope("acme")
	r1 := judgeOn(issue13Report(h, t0, issue13Findings()), report.TierManaged)
	save(t, s, nil, Incoming(t, "acme", r1))

	at := t0.Add(5 * time.Hour)
	const reason = "tier changed to iaas by alice (token 0123…)"
	r2 := judgeOn(r1, report.TierIaaS)
	if got := rejudge(t, s, rejudgement("acme", r2, reason, at)); got[0] != store.RejudgeApplied {
		t.Fatalf("result %v, want applied", got[0])
	}
	host := mustHost(t, s, sc, h.ID)
	if host.Tier != report.TierIaaS || host.MaintenanceAgreement || host.LatestReportID != r1.ReportID ||
		!host.ScannedAt.Equal(r1.ScannedAt) || host.Open != report.Summarize(r2.Findings) {
		t.Errorf("host after the re-judgement: tier %s, agreement %v, latest %s, scanned %v, open %+v; want iaas, false, %s, %v, %+v",
			host.Tier, host.MaintenanceAgreement, host.LatestReportID, host.ScannedAt, host.Open, r1.ReportID, r1.ScannedAt, report.Summarize(r2.Findings))
	}
	open := byID(allFindings(t, s, sc, store.FindingFilter{HostID: h.ID}))
	if len(open) != len(r2.Findings) {
		t.Fatalf("open %v, want the %d findings", keys(open), len(r2.Findings))
	}
	for _, want := range r2.Findings {
		f := open[want.ID]
		if f.Responsible != want.Responsible || f.Rule != want.Rule || f.Tier != report.TierIaaS {
			t.Errorf("%s: %s by %s on %s, want %s by %s on iaas", f.ID, f.Responsible, f.Rule, f.Tier, want.Responsible, want.Rule)
		}
		if f.Reason != reason || f.ReasonAt == nil || !f.ReasonAt.Equal(at) {
			t.Errorf("%s: reason %q at %v, want %q at %v", f.ID, f.Reason, f.ReasonAt, reason, at)
		}
		if !f.OpenedAt.Equal(r1.ScannedAt) || !f.FirstSeen.Equal(r1.ScannedAt) || !f.LastSeen.Equal(r1.ScannedAt) {
			t.Errorf("%s: opened %v first seen %v last seen %v, want them all kept at %v", f.ID, f.OpenedAt, f.FirstSeen, f.LastSeen, r1.ScannedAt)
		}
	}
	if os := open["f-updates"]; os.Responsible != report.ResponsibleCustomer {
		t.Errorf("the OS finding is the %s's, want the customer's", os.Responsible)
	}
	sum, err := s.Summary(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if want := expectedSummary(map[string]*report.Report{h.ID: r2}); !sameCounts(sum, want) {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	reps, err := s.Reports(t.Context(), sc, h.ID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps.Reports) != 1 || reps.Reports[0].Summary != report.Summarize(r2.Findings) || reps.Reports[0].Findings != len(r2.Findings) {
		t.Errorf("report history %+v, want the latest report's summary the new verdict's", reps.Reports)
	}

	// The next report, judged on iaas, no longer has the pending updates:
	// they are resolved by it, without a reason; the rest keep theirs.
	r3 := judgeOn(issue13Report(h, t0.Add(6*time.Hour), issue13Findings()[:1]), report.TierIaaS)
	save(t, s, nil, Incoming(t, "acme", r3))
	all := byID(allFindings(t, s, sc, store.FindingFilter{HostID: h.ID, Status: store.StatusAny}))
	if u := all["f-updates"]; u.ResolvedAt == nil || !u.ResolvedAt.Equal(r3.ScannedAt) || u.Reason != "" || u.ReasonAt != nil {
		t.Errorf("f-updates after the next report: resolved %v reason %q at %v, want resolved at %v, no reason", u.ResolvedAt, u.Reason, u.ReasonAt, r3.ScannedAt)
	}
	if m := all["f-mariadb"]; m.ResolvedAt != nil || m.Reason != reason {
		t.Errorf("f-mariadb after the next report: %+v, want open with the tier change's reason", m)
	}
}

// testRejudgeOpensAndResolves: new lifecycle data judge a host's latest
// report anew. A release newly past its end of life opens a finding at
// the verdict's time; a finding the new verdict drops is resolved then,
// unless its collector did not run cleanly in that report: then it stays
// open, unverified since the verdict.
func testRejudgeOpensAndResolves(t *testing.T, s store.Store) {
	h := newHost(22, "acme")
	sc := store.TenantScope("acme")
	fs := issue13Findings()[1:] // no MariaDB finding: its release was supported
	r1 := issue13Report(h, t0, fs)
	r1.Collectors = issue13Runs(map[string]report.CollectorStatus{"applications": report.CollectorPartial})
	r1.Errors = []report.CollectorError{{Collector: "applications", Error: "php: exit status 255"}}
	save(t, s, nil, Incoming(t, "acme", r1))

	at := t0.Add(48 * time.Hour)
	const reason = "lifecycle data of 2027-01-15"
	r2 := *r1
	mariadb := issue13Findings()[0]
	// The new data: MariaDB 10.6 is past its end of life; PHP 8.3.6 and
	// WordPress 6.6.1 are no longer behind (the verdict drops them).
	r2.Findings = []report.Finding{fs[0], fs[2], mariadb}
	r2.Summary = report.Summarize(r2.Findings)
	if got := rejudge(t, s, rejudgement("acme", &r2, reason, at)); got[0] != store.RejudgeApplied {
		t.Fatalf("result %v, want applied", got[0])
	}
	all := byID(allFindings(t, s, sc, store.FindingFilter{HostID: h.ID, Status: store.StatusAny}))
	m := all["f-mariadb"]
	if m.ResolvedAt != nil || !m.OpenedAt.Equal(at) || !m.FirstSeen.Equal(at) || m.Reason != reason || m.ReasonAt == nil || !m.ReasonAt.Equal(at) {
		t.Errorf("f-mariadb %+v, want opened (and first seen) at %v with the reason", m, at)
	}
	wp := all["f-wordpress"] // webapps ran cleanly: fixed
	if wp.ResolvedAt == nil || !wp.ResolvedAt.Equal(at) || !wp.LastSeen.Equal(r1.ScannedAt) || wp.Reason != reason {
		t.Errorf("f-wordpress %+v, want resolved at %v, last seen %v, with the reason", wp, at, r1.ScannedAt)
	}
	php := all["f-php"] // applications was partial: not verified gone
	if php.ResolvedAt != nil || php.UnverifiedSince == nil || !php.UnverifiedSince.Equal(at) ||
		!php.LastSeen.Equal(r1.ScannedAt) || !php.OpenedAt.Equal(r1.ScannedAt) || php.Reason != reason {
		t.Errorf("f-php %+v, want open, unverified since %v, last seen and opened %v, with the reason", php, at, r1.ScannedAt)
	}
	for _, id := range []string{"f-updates", "f-apache"} { // the same: untouched
		if f := all[id]; f.ResolvedAt != nil || f.Reason != "" || !f.OpenedAt.Equal(r1.ScannedAt) {
			t.Errorf("%s %+v, want open as it was, no reason", id, f)
		}
	}
	host := mustHost(t, s, sc, h.ID)
	want := report.Summarize(append(slices.Clone(r2.Findings), fs[1]))
	if host.Open != want || host.Unverified != 1 {
		t.Errorf("host counts %+v (unverified %d), want %+v with f-php unverified", host.Open, host.Unverified, want)
	}
	trend, err := s.Trend(t.Context(), sc, []time.Time{at.Add(-time.Second), at})
	if err != nil {
		t.Fatal(err)
	}
	if trend[0].Provider != int64(len(fs)) || trend[1].Provider != int64(want.Provider.Total()) {
		t.Errorf("trend %+v, want %d provider findings before the verdict and %d at it", trend, len(fs), want.Provider.Total())
	}
	sum, err := s.Summary(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if n := eolCount(sum, report.LayerApplications, report.ResponsibleProvider); n != 1 {
		t.Errorf("summary: %d open end-of-life applications, want MariaDB's", n)
	}
}

func eolCount(sum store.Summary, l report.Layer, p report.Responsible) int64 {
	n := int64(0)
	for _, c := range sum.EOL {
		if c.Layer == l && c.Responsible == p {
			n += c.Count
		}
	}
	return n
}

// snapshot is everything a re-judgement could write about a host.
type snapshot struct {
	Host     store.Host
	Findings []store.Finding
	Reports  []store.ReportMeta
}

func snap(t *testing.T, s store.Store, tenant, hostID string) snapshot {
	t.Helper()
	sc := store.TenantScope(tenant)
	reps, err := s.Reports(t.Context(), sc, hostID, store.Page{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{mustHost(t, s, sc, hostID), allFindings(t, s, sc, store.FindingFilter{HostID: hostID, Status: store.StatusAny}), reps.Reports}
}

// testRejudgeStale: a newer report arrived between the sweep's read and
// its write: its own verdict stands and nothing is written. A host that
// is not there (or is another tenant's) is missing.
func testRejudgeStale(t *testing.T, s store.Store) {
	h := newHost(23, "acme")
	r1 := judgeOn(issue13Report(h, t0, issue13Findings()), report.TierManaged)
	save(t, s, nil, Incoming(t, "acme", r1))
	refs, _, err := s.LatestReports(t.Context(), store.AllTenants(), store.HostFilter{}, store.Page{})
	if err != nil || len(refs) != 1 || refs[0] != (store.LatestRef{HostID: h.ID, Tenant: "acme", ReportID: r1.ReportID}) {
		t.Fatalf("LatestReports: %+v, %v", refs, err)
	}
	r2 := judgeOn(issue13Report(h, t0.Add(time.Hour), issue13Findings()[:3]), report.TierManaged)
	save(t, s, nil, Incoming(t, "acme", r2))
	before := snap(t, s, "acme", h.ID)

	other := newHost(24, "other")
	save(t, s, nil, Incoming(t, "other", issue13Report(other, t0, issue13Findings())))
	unknown := judgeOn(r1, report.TierIaaS)
	unknown.Host.HostID = "h-nobody"
	foreign := judgeOn(issue13Report(other, t0, issue13Findings()), report.TierIaaS)
	got := rejudge(t, s,
		rejudgement("acme", judgeOn(r1, report.TierIaaS), "tier changed to iaas by alice", t0.Add(2*time.Hour)),
		rejudgement("acme", unknown, "tier changed", t0.Add(2*time.Hour)),
		rejudgement("acme", foreign, "tier changed", t0.Add(2*time.Hour)))
	if want := []store.RejudgeResult{store.RejudgeStale, store.RejudgeMissing, store.RejudgeMissing}; !slices.Equal(got, want) {
		t.Errorf("results %v, want %v", got, want)
	}
	if after := snap(t, s, "acme", h.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("a stale re-judgement wrote:\nbefore %+v\nafter  %+v", before, after)
	}
	if f := allFindings(t, s, store.TenantScope("other"), store.FindingFilter{}); len(f) != 5 || f[0].Reason != "" {
		t.Errorf("the other tenant's host was touched: %+v", f)
	}
	// A report that is not the one named is the caller's mistake.
	bad := rejudgement("acme", judgeOn(r2, report.TierIaaS), "x", t0)
	bad.ReportID = r1.ReportID
	if _, err := s.Rejudge(t.Context(), []store.Rejudgement{bad}); err == nil {
		t.Error("Rejudge accepted a report that is not the one it names")
	}
}

// testRejudgeUnchanged: the same verdict again writes nothing; a changed
// profile alone is applied without touching a finding.
func testRejudgeUnchanged(t *testing.T, s store.Store) {
	h := newHost(25, "acme")
	r1 := judgeOn(issue13Report(h, t0, issue13Findings()), report.TierIaaS)
	save(t, s, nil, Incoming(t, "acme", r1))
	before := snap(t, s, "acme", h.ID)
	if got := rejudge(t, s, rejudgement("acme", judgeOn(r1, report.TierIaaS), "lifecycle data of 2027-01-15", t0.Add(time.Hour))); got[0] != store.RejudgeUnchanged {
		t.Errorf("result %v, want unchanged", got[0])
	}
	if after := snap(t, s, "acme", h.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("an unchanged re-judgement wrote:\nbefore %+v\nafter  %+v", before, after)
	}
	r2 := judgeOn(r1, report.TierIaaS)
	r2.Profile.MaintenanceAgreement = true
	if got := rejudge(t, s, rejudgement("acme", r2, "agreement set by alice", t0.Add(time.Hour))); got[0] != store.RejudgeApplied {
		t.Errorf("result %v, want applied (the agreement changed)", got[0])
	}
	after := snap(t, s, "acme", h.ID)
	if !after.Host.MaintenanceAgreement || !reflect.DeepEqual(before.Findings, after.Findings) {
		t.Errorf("after the agreement changed: host agreement %v, findings changed %v", after.Host.MaintenanceAgreement, !reflect.DeepEqual(before.Findings, after.Findings))
	}
}

// testLatestReports: the sweep's listing, by host id, within the scope and
// filter, one page at a time.
func testLatestReports(t *testing.T, s store.Store) {
	want := map[string]store.LatestRef{}
	for i := range 23 {
		tenant := []string{"acme", "globex"}[i%2]
		h := newHost(uint64(300+i), tenant)
		r := h.Next(t0)
		save(t, s, nil, Incoming(t, tenant, h.Next(t0.Add(-time.Hour))), Incoming(t, tenant, r))
		want[h.ID] = store.LatestRef{HostID: h.ID, Tenant: tenant, ReportID: r.ReportID}
	}
	list := func(sc store.Scope, f store.HostFilter) []store.LatestRef {
		var out []store.LatestRef
		p := store.Page{Limit: 5}
		for range 100 {
			refs, next, err := s.LatestReports(t.Context(), sc, f, p)
			if err != nil {
				t.Fatalf("LatestReports: %v", err)
			}
			out = append(out, refs...)
			if next == "" {
				return out
			}
			p.Cursor = next
		}
		t.Fatal("LatestReports: pagination does not end")
		return nil
	}
	all := list(store.AllTenants(), store.HostFilter{})
	if len(all) != len(want) || !slices.IsSortedFunc(all, func(a, b store.LatestRef) int { return compareStrings(a.HostID, b.HostID) }) {
		t.Fatalf("LatestReports listed %d hosts (sorted %v), want %d by host id", len(all), slices.IsSortedFunc(all, func(a, b store.LatestRef) int { return compareStrings(a.HostID, b.HostID) }), len(want))
	}
	for _, r := range all {
		if want[r.HostID] != r {
			t.Errorf("LatestReports: %+v, want %+v", r, want[r.HostID])
		}
	}
	for _, r := range list(store.TenantScope("globex"), store.HostFilter{}) {
		if r.Tenant != "globex" {
			t.Errorf("globex's scope lists %+v", r)
		}
	}
	n, err := s.CountHosts(t.Context(), store.AllTenants(), store.HostFilter{Tier: report.TierManaged, Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if got := list(store.AllTenants(), store.HostFilter{Tier: report.TierManaged, Tenant: "acme"}); int64(len(got)) != n {
		t.Errorf("managed hosts of acme: %d listed, %d counted", len(got), n)
	}
	if _, _, err := s.LatestReports(t.Context(), store.AllTenants(), store.HostFilter{}, store.Page{Cursor: "!"}); err == nil {
		t.Error("LatestReports accepted a bad cursor")
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// testRejudgeQuarantineLifted: a host judged without a record (policy
// quarantine: no findings, the missing record as the check that did not
// run) gets one. The re-judgement on it verifies the findings kept open
// unverified (keeping when they opened) and clears the failing check.
func testRejudgeQuarantineLifted(t *testing.T, s store.Store) {
	h := newHost(26, "acme")
	sc := store.TenantScope("acme")
	r1 := judgeOn(issue13Report(h, t0, issue13Findings()), report.TierManaged)
	save(t, s, nil, Incoming(t, "acme", r1))
	r2 := issue13Report(h, t0.Add(time.Hour), []report.Finding{})
	r2.Collectors = []report.CollectorRun{{Name: "provider_record", Status: report.CollectorNotRun}}
	save(t, s, nil, Incoming(t, "acme", r2))
	if got := mustHost(t, s, sc, h.ID); got.Unverified != 5 || len(got.FailingCollectors) != 1 {
		t.Fatalf("quarantined host: %d unverified, failing %+v; want 5, provider_record", got.Unverified, got.FailingCollectors)
	}
	at := t0.Add(2 * time.Hour)
	v := judgeOn(issue13Report(h, t0.Add(time.Hour), issue13Findings()[:4]), report.TierManaged)
	v.ReportID, v.ScannedAt = r2.ReportID, r2.ScannedAt
	if got := rejudge(t, s, rejudgement("acme", v, "record of host imported by alice", at)); got[0] != store.RejudgeApplied {
		t.Fatalf("result %v, want applied", got[0])
	}
	got := mustHost(t, s, sc, h.ID)
	if got.Unverified != 0 || len(got.FailingCollectors) != 0 || got.Open != report.Summarize(v.Findings) {
		t.Errorf("host after the record: %d unverified, failing %+v, open %+v; want none, none, %+v", got.Unverified, got.FailingCollectors, got.Open, report.Summarize(v.Findings))
	}
	all := byID(allFindings(t, s, sc, store.FindingFilter{HostID: h.ID, Status: store.StatusAny}))
	for _, f := range v.Findings {
		if g := all[f.ID]; g.UnverifiedSince != nil || g.ResolvedAt != nil || !g.OpenedAt.Equal(r1.ScannedAt) || !g.LastSeen.Equal(r2.ScannedAt) || g.Reason == "" {
			t.Errorf("%s %+v, want open since %v, verified, seen %v, with the reason", f.ID, g, r1.ScannedAt, r2.ScannedAt)
		}
	}
	if wp := all["f-wordpress"]; wp.ResolvedAt == nil || !wp.ResolvedAt.Equal(at) || !wp.LastSeen.Equal(r1.ScannedAt) {
		t.Errorf("f-wordpress %+v, want resolved at %v, last seen %v (before the quarantined report)", wp, at, r1.ScannedAt)
	}
	if sum, err := s.Summary(t.Context(), sc); err != nil || sum.HostsFailingCollectors != 0 {
		t.Errorf("summary: %d hosts failing collectors (%v), want 0", sum.HostsFailingCollectors, err)
	}
}
