package storetest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

func bytesEqualJSON(t *testing.T, body []byte, in store.Incoming) bool {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(in.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(body, want)
}

// twoTenants stores three hosts of acme and two of globex.
func twoTenants(t *testing.T, s store.Store) (acme, globex []string) {
	for i := range 5 {
		tenant := "acme"
		if i >= 3 {
			tenant = "globex"
		}
		h := newHost(uint64(100+i), tenant)
		save(t, s, []store.Result{store.Created}, Incoming(t, tenant, h.Next(t0.Add(time.Duration(i)*time.Minute))))
		if tenant == "acme" {
			acme = append(acme, h.ID)
		} else {
			globex = append(globex, h.ID)
		}
	}
	return acme, globex
}

func testTenantIsolation(t *testing.T, s store.Store) {
	ctx := t.Context()
	acme, globex := twoTenants(t, s)
	sa, sg := store.TenantScope("acme"), store.TenantScope("globex")
	if got := allHosts(t, s, sa, store.HostFilter{}, 2); len(got) != 3 {
		t.Errorf("acme sees %d hosts, want 3", len(got))
	}
	// Asking for the other tenant explicitly changes nothing.
	if got := allHosts(t, s, sa, store.HostFilter{Tenant: "globex"}, 10); len(got) != 0 {
		t.Errorf("acme filtered to globex sees %d hosts", len(got))
	}
	if got := allHosts(t, s, store.AllTenants(), store.HostFilter{}, 2); len(got) != 5 {
		t.Errorf("admin sees %d hosts, want 5", len(got))
	}
	if got := allHosts(t, s, store.Scope{}, store.HostFilter{}, 10); len(got) != 0 {
		t.Errorf("the zero scope sees %d hosts", len(got))
	}
	if _, err := s.Host(ctx, sa, globex[0]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("acme reads a globex host: err %v", err)
	}
	mustHost(t, s, sg, globex[0])
	if got := allFindings(t, s, sa, store.FindingFilter{HostID: globex[0]}); len(got) != 0 {
		t.Errorf("acme sees %d globex findings", len(got))
	}
	for _, f := range allFindings(t, s, sg, store.FindingFilter{}) {
		if f.Tenant != "globex" {
			t.Fatalf("globex sees finding of %s", f.Tenant)
		}
	}
	reps, err := s.Reports(ctx, sa, globex[0], store.Page{})
	if err != nil || len(reps.Reports) != 0 {
		t.Errorf("acme sees globex history: %v %v", reps.Reports, err)
	}
	h := mustHost(t, s, sg, globex[0])
	if _, err := s.ReportBody(ctx, sa, h.LatestReportID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("acme reads a globex report body: err %v", err)
	}
	sum, err := s.Summary(ctx, sa)
	if err != nil {
		t.Fatal(err)
	}
	var hosts int64
	for _, n := range sum.Hosts {
		hosts += n
	}
	if hosts != 3 || (sum.OldestProvider != nil && sum.OldestProvider.Tenant != "acme") {
		t.Errorf("acme summary counts %d hosts, oldest %+v", hosts, sum.OldestProvider)
	}
	trend, err := s.Trend(ctx, sg, []time.Time{t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := trend[0].Provider + trend[0].Customer; got != 80 {
		t.Errorf("globex trend counts %d findings, want 80", got)
	}
	_ = acme
}

func testHostPagination(t *testing.T, s store.Store) {
	for i := range 23 {
		h := newHost(uint64(200+i), "acme")
		save(t, s, nil, Incoming(t, "acme", h.Next(t0.Add(time.Duration(i%5)*time.Minute))))
	}
	for _, sort := range store.HostSorts {
		got := allHosts(t, s, store.TenantScope("acme"), store.HostFilter{Sort: sort}, 4)
		seen := map[string]bool{}
		for _, h := range got {
			if seen[h.HostID] {
				t.Errorf("sort %s: host %s twice", sort, h.HostID)
			}
			seen[h.HostID] = true
		}
		if len(seen) != 23 {
			t.Errorf("sort %s: %d hosts, want 23", sort, len(seen))
		}
		if sort == "hostname" && !slices.IsSortedFunc(got, func(a, b store.Host) int { return strings.Compare(a.Hostname, b.Hostname) }) {
			t.Errorf("sort hostname: not sorted")
		}
		if sort == "-scanned_at" && !slices.IsSortedFunc(got, func(a, b store.Host) int { return b.ScannedAt.Compare(a.ScannedAt) }) {
			t.Errorf("sort -scanned_at: not sorted")
		}
	}
	if _, err := s.Hosts(t.Context(), store.AllTenants(), store.HostFilter{}, store.Page{Cursor: "!!garbage"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad cursor: err %v, want ErrInvalid", err)
	}
	if _, err := s.Hosts(t.Context(), store.AllTenants(), store.HostFilter{Sort: "hostname; DROP TABLE hosts"}, store.Page{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad sort: err %v, want ErrInvalid", err)
	}
	page, err := s.Hosts(t.Context(), store.AllTenants(), store.HostFilter{}, store.Page{Limit: 1 << 30})
	if err != nil || len(page.Hosts) != 23 {
		t.Errorf("huge limit: %d hosts, err %v", len(page.Hosts), err)
	}
}

func testFindingPagination(t *testing.T, s store.Store) {
	for i := range 3 {
		h := newHost(uint64(300+i), "acme")
		save(t, s, nil, Incoming(t, "acme", h.Next(t0.Add(time.Duration(i)*time.Minute))))
	}
	for _, sort := range store.FindingSorts {
		got := allFindings(t, s, store.TenantScope("acme"), store.FindingFilter{Sort: sort})
		seen := map[string]bool{}
		for _, id := range ids(got) {
			if seen[id] {
				t.Errorf("sort %s: %s twice", sort, id)
			}
			seen[id] = true
		}
		if len(seen) != 120 {
			t.Errorf("sort %s: %d findings, want 120", sort, len(seen))
		}
		if sort == "severity" && !slices.IsSortedFunc(got, func(a, b store.Finding) int { return a.Severity.Rank() - b.Severity.Rank() }) {
			t.Errorf("sort severity: not sorted")
		}
	}
	if _, err := s.Findings(t.Context(), store.AllTenants(), store.FindingFilter{Status: "closed"}, store.Page{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad status: err %v", err)
	}
	// A cursor from one sort is not accepted by another.
	page, err := s.Findings(t.Context(), store.AllTenants(), store.FindingFilter{}, store.Page{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Findings(t.Context(), store.AllTenants(), store.FindingFilter{Sort: "severity"}, store.Page{Cursor: page.Next}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("cursor of another sort: err %v", err)
	}
}

func testFilters(t *testing.T, s store.Store) {
	hosts := map[report.Tier]string{}
	for i := range 30 {
		h := newHost(uint64(400+i), "acme")
		r := h.Next(t0)
		save(t, s, nil, Incoming(t, "acme", r))
		hosts[h.Tier] = h.ID
	}
	sc := store.TenantScope("acme")
	for _, tier := range report.Tiers {
		for _, h := range allHosts(t, s, sc, store.HostFilter{Tier: tier}, 50) {
			if h.Tier != tier {
				t.Errorf("tier filter %s returned %s", tier, h.Tier)
			}
		}
		for _, f := range allFindings(t, s, sc, store.FindingFilter{Tier: tier, Responsible: report.ResponsibleProvider, Severity: report.SeverityCritical}) {
			if f.Tier != tier || f.Responsible != report.ResponsibleProvider || f.Severity != report.SeverityCritical {
				t.Errorf("finding filter returned %s/%s/%s", f.Tier, f.Responsible, f.Severity)
			}
		}
	}
	for _, h := range allHosts(t, s, sc, store.HostFilter{Responsible: report.ResponsibleProvider, Severity: report.SeverityCritical}, 50) {
		if h.Open.Provider.Critical == 0 {
			t.Errorf("host %s has no open critical provider finding", h.HostID)
		}
	}
	for _, h := range allHosts(t, s, sc, store.HostFilter{OS: "ubuntu:22.04"}, 50) {
		if h.OS.ID != "ubuntu" || h.OS.VersionID != "22.04" {
			t.Errorf("os filter returned %s %s", h.OS.ID, h.OS.VersionID)
		}
	}
	fs := allFindings(t, s, sc, store.FindingFilter{Product: "php", Kind: report.KindEOL})
	if len(fs) == 0 {
		t.Fatal("no end-of-life PHP found")
	}
	for _, f := range fs {
		if f.Product != "PHP" || f.Kind != report.KindEOL {
			t.Errorf("product filter returned %s %s", f.Product, f.Kind)
		}
	}
	if got := allHosts(t, s, sc, store.HostFilter{Search: "%"}, 50); len(got) != 0 {
		t.Errorf("search %% matched %d hosts: LIKE wildcards are not escaped", len(got))
	}
	id := hosts[report.TierManaged]
	if got := allHosts(t, s, sc, store.HostFilter{Search: strings.ToUpper(id[2:12])}, 50); len(got) != 1 || got[0].HostID != id {
		t.Errorf("search by host id: %d hosts", len(got))
	}
}

func testSummary(t *testing.T, s store.Store) {
	want := map[string]int64{}
	var oldest time.Time
	for i := range 12 {
		h := newHost(uint64(500+i), "acme")
		r := h.Next(t0.Add(time.Duration(i) * time.Hour))
		save(t, s, nil, Incoming(t, "acme", r))
		for _, f := range r.Findings {
			want[fmt.Sprintf("%s/%s/%s", h.Tier, f.Responsible, f.Severity)]++
			if f.Responsible == report.ResponsibleProvider && (oldest.IsZero() || r.ScannedAt.Before(oldest)) {
				oldest = r.ScannedAt
			}
		}
	}
	sum, err := s.Summary(t.Context(), store.TenantScope("acme"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range sum.Open {
		got[fmt.Sprintf("%s/%s/%s", c.Tier, c.Responsible, c.Severity)] = c.Count
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("summary cells\n got %v\nwant %v", got, want)
	}
	if sum.OldestProvider == nil || !sum.OldestProvider.OpenedAt.Equal(oldest) {
		t.Errorf("oldest provider finding %+v, want opened %v", sum.OldestProvider, oldest)
	}
}

func testTrend(t *testing.T, s store.Store) {
	h := newHost(600, "acme")
	r1 := h.Next(t0)
	save(t, s, nil, Incoming(t, "acme", r1))
	r2 := h.Next(t0.Add(24 * time.Hour))
	r2.Findings = r2.Findings[:30]
	save(t, s, nil, Incoming(t, "acme", r2))
	pts, err := s.Trend(t.Context(), store.TenantScope("acme"), []time.Time{t0.Add(-time.Hour), t0.Add(time.Hour), t0.Add(25 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	total := func(p store.TrendPoint) int64 { return p.Provider + p.Customer }
	if total(pts[0]) != 0 || total(pts[1]) != 40 || total(pts[2]) != 30 {
		t.Errorf("trend %d %d %d, want 0 40 30", total(pts[0]), total(pts[1]), total(pts[2]))
	}
}
