package demo_test

import (
	"encoding/json"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/demo"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
)

// latestReport is the body of h's latest report as stored.
func latestReport(t *testing.T, st store.Store, h store.Host) report.Report {
	t.Helper()
	body, err := st.HostReportBody(t.Context(), store.AllTenants(), h.HostID, h.LatestReportID)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func open(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "demo.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestFill fills a small fleet and checks that it has what the web page
// needs to look alive: every tier, several OSes and panels, end-of-life
// software, a history with findings opened and resolved, and a chart that
// moves.
func TestFill(t *testing.T) {
	st := open(t)
	end := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	res, err := demo.Fill(t.Context(), st, demo.Options{Hosts: 50, Days: 10, End: end})
	if err != nil {
		t.Fatal(err)
	}
	if res.Hosts != 50 || res.Reports < 50*7 || len(res.HostIDs) < 4 {
		t.Fatalf("fill: %+v", res)
	}
	ctx, all := t.Context(), store.AllTenants()
	sum, err := st.Summary(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	for _, tier := range report.Tiers {
		if sum.Hosts[tier] == 0 {
			t.Errorf("no %s host", tier)
		}
	}
	fc, err := st.Facets(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.OS) < 5 {
		t.Errorf("%d OS releases", len(fc.OS))
	}
	panels := map[string]bool{}
	gs, err := st.FindingGroups(ctx, all, store.FindingFilter{Layer: report.LayerControlPanel, Status: store.StatusAny}, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		panels[g.Product] = true
	}
	// The server judges the demo's observations with the real rules, which
	// name the products as the scanner does.
	for _, p := range []string{"cPanel & WHM", "Plesk", "DirectAdmin"} {
		if !panels[p] {
			t.Errorf("no %s finding (panels %v)", p, panels)
		}
	}
	resolved, err := st.Findings(ctx, all, store.FindingFilter{Status: store.StatusResolved}, store.Page{Limit: 1})
	if err != nil || len(resolved.Findings) == 0 {
		t.Errorf("no resolved finding (err %v)", err)
	}
	at := []time.Time{end.Add(-9 * 24 * time.Hour), end.Add(-5 * 24 * time.Hour), end}
	pts, err := st.Trend(ctx, all, at)
	if err != nil {
		t.Fatal(err)
	}
	if pts[0].Provider == pts[2].Provider || pts[0].Customer == pts[2].Customer || pts[2].Provider == 0 {
		t.Errorf("flat trend: %+v", pts)
	}
	h, err := st.Hosts(ctx, all, store.HostFilter{Sort: "-scanned_at"}, store.Page{Limit: 1})
	if err != nil || h.Hosts[0].ScannedAt.After(end) || h.Hosts[0].ScannedAt.Before(end.Add(-24*time.Hour)) {
		t.Errorf("newest scan %v, want within the day before %v (err %v)", h.Hosts[0].ScannedAt, end, err)
	}
	if _, err := demo.Fill(t.Context(), st, demo.Options{Hosts: 1, Days: 1}); !errors.Is(err, demo.ErrNotEmpty) {
		t.Errorf("second fill: err %v, want ErrNotEmpty", err)
	}
}

// TestDemoAgreesWithTheRules: the demo can never contradict the scanner:
// for a sample of hosts, the open findings the server stored are exactly
// what rules.Engine makes of the host's latest observations on the
// profile it was judged on — whatever findings the simulated report
// carried.
func TestDemoAgreesWithTheRules(t *testing.T) {
	st := open(t)
	end := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	if _, err := demo.Fill(t.Context(), st, demo.Options{Hosts: 40, Days: 3, End: end}); err != nil {
		t.Fatal(err)
	}
	eng, err := rules.NewEngine(rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, all := t.Context(), store.AllTenants()
	page, err := st.Hosts(ctx, all, store.HostFilter{}, store.Page{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range page.Hosts {
		r := latestReport(t, st, h)
		profile := report.Profile{Provider: h.Provider, Tier: h.Tier, MaintenanceAgreement: h.MaintenanceAgreement,
			CustomerManagedVirtualisation: h.CustomerManagedVirtualisation, Tenant: h.Tenant}
		want := map[string]report.Responsible{}
		for _, f := range eng.Evaluate(rules.Input{Host: r.Host, Profile: profile, Components: r.Components, Updates: r.Updates, At: r.ScannedAt}).Findings {
			want[f.ID] = f.Responsible
		}
		fs, err := st.Findings(ctx, all, store.FindingFilter{HostID: h.HostID, Status: store.StatusOpen}, store.Page{Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]report.Responsible{}
		for _, f := range fs.Findings {
			if f.UnverifiedSince == nil {
				got[f.ID] = f.Responsible
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s (%s): stored %v, rules say %v", h.Hostname, h.Tier, got, want)
		}
	}
}

// TestDemoHostsAreFixtureHosts: every demo host shows what a real scan of
// one of scan's fixture hosts showed (no CentOS 7 host with Ubuntu
// packages): its package manager fits its OS, its OS release is a
// fixture's; most hosts are judged on the provider's records, a few have
// none, and a few claim another tier than their record, the claim kept in
// the report.
func TestDemoHostsAreFixtureHosts(t *testing.T) {
	st := open(t)
	end := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	res, err := demo.Fill(t.Context(), st, demo.Options{Hosts: 120, Days: 4, End: end})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records == 0 || res.Records == res.Hosts {
		t.Errorf("%d of %d hosts recorded, want most but not all", res.Records, res.Hosts)
	}
	managers := map[string][]string{"debian": {"apt"}, "rhel": {"dnf", "yum"}, "suse": {"zypper"}, "alpine": {"apk"}}
	ctx, all := t.Context(), store.AllTenants()
	page, err := st.Hosts(ctx, all, store.HostFilter{}, store.Page{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	disagree := 0
	for _, h := range page.Hosts {
		r := latestReport(t, st, h)
		if u := r.Updates; u != nil && !slices.Contains(managers[r.Host.OS.Family], u.Manager) {
			t.Errorf("%s: %s (%s family) with %s updates", h.Hostname, r.Host.OS.PrettyName, r.Host.OS.Family, u.Manager)
		}
		if len(h.HostID) != 32 {
			t.Errorf("host id %q is not an agent's", h.HostID)
		}
		if r.Profile.Tier != h.Tier {
			disagree++
		}
	}
	if disagree == 0 || disagree > len(page.Hosts)/4 {
		t.Errorf("%d of %d hosts claim another tier than they are judged on", disagree, len(page.Hosts))
	}
}
