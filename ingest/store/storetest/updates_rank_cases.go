package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

func allPendingPackages(t *testing.T, s store.Store, sc store.Scope, f store.PackageFilter, limit int) []store.PendingPackage {
	t.Helper()
	out := []store.PendingPackage{}
	p := store.Page{Limit: limit}
	for range 1000 {
		page, err := s.PendingPackages(t.Context(), sc, f, p)
		if err != nil {
			t.Fatalf("pending packages %+v: %v", f, err)
		}
		if len(page.Packages) > p.Clamp().Limit {
			t.Fatalf("page of %d packages, limit %d", len(page.Packages), limit)
		}
		out = append(out, page.Packages...)
		if page.Next == "" {
			return out
		}
		p.Cursor = page.Next
	}
	t.Fatal("pending packages: pagination does not end")
	return nil
}

// packageText is "name hosts/security oldest-day oldest-security-day".
func packageText(ks []store.PendingPackage) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		sec := "-"
		if k.OldestSecuritySince != nil {
			sec = fmt.Sprint(int64(k.OldestSecuritySince.Sub(t0) / time.Minute))
		}
		out[i] = fmt.Sprintf("%s %d/%d %d %s", k.Name, k.Hosts, k.SecurityHosts, k.OldestSince.Sub(t0)/time.Minute, sec)
	}
	return out
}

// packagesMatchListing compares the ranking of pending packages (an
// aggregate, in every order, page by page) with one computed from every
// pending update listed, and the updates found by each advisory and CVE
// id with those listed carrying it.
func packagesMatchListing(t *testing.T, s store.Store, sc store.Scope) {
	t.Helper()
	listed := allPendingUpdates(t, s, sc, store.UpdateFilter{}, 0)
	byName := map[string]*store.PendingPackage{}
	hosts := map[string]map[string]bool{}
	secHosts := map[string]map[string]bool{}
	refs := map[string][]string{}
	for _, u := range listed {
		k := byName[u.Name]
		if k == nil {
			k = &store.PendingPackage{Name: u.Name, OldestSince: u.PendingSince}
			byName[u.Name], hosts[u.Name], secHosts[u.Name] = k, map[string]bool{}, map[string]bool{}
		}
		hosts[u.Name][u.HostID] = true
		if u.PendingSince.Before(k.OldestSince) {
			k.OldestSince = u.PendingSince
		}
		if u.Security {
			secHosts[u.Name][u.HostID] = true
			if k.OldestSecuritySince == nil || u.PendingSince.Before(*k.OldestSecuritySince) {
				since := u.PendingSince
				k.OldestSecuritySince = &since
			}
		}
		for _, ref := range slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(u.Advisories), u.CVEs...)))) {
			refs[ref] = append(refs[ref], u.HostID+" "+u.Name+" "+u.Arch)
		}
	}
	var want []store.PendingPackage
	for name, k := range byName {
		k.Hosts, k.SecurityHosts = int64(len(hosts[name])), int64(len(secHosts[name]))
		want = append(want, *k)
	}
	orders := map[string]func(a, b store.PendingPackage) int{
		store.PackagesBySecurity: func(a, b store.PendingPackage) int {
			return cmp.Or(cmp.Compare(b.SecurityHosts, a.SecurityHosts), cmp.Compare(b.Hosts, a.Hosts), cmp.Compare(a.Name, b.Name))
		},
		store.PackagesByHosts: func(a, b store.PendingPackage) int {
			return cmp.Or(cmp.Compare(b.Hosts, a.Hosts), cmp.Compare(a.Name, b.Name))
		},
		store.PackagesByAge: func(a, b store.PendingPackage) int {
			return cmp.Or(a.OldestSince.Compare(b.OldestSince), cmp.Compare(a.Name, b.Name))
		},
		store.PackagesByName: func(a, b store.PendingPackage) int { return cmp.Compare(a.Name, b.Name) },
	}
	for _, sort := range store.PackageSorts {
		slices.SortFunc(want, orders[sort])
		for _, limit := range []int{3, 0} {
			got := allPendingPackages(t, s, sc, store.PackageFilter{Sort: sort}, limit)
			if g, w := packageText(got), packageText(want); !slices.Equal(g, w) {
				t.Errorf("scope %+v, ranking by %s, limit %d:\n got %q\nwant %q", sc, sort, limit, g, w)
			}
		}
	}
	for ref, want := range refs {
		var got []string
		for _, u := range allPendingUpdates(t, s, sc, store.UpdateFilter{Ref: ref}, 2) {
			got = append(got, u.HostID+" "+u.Name+" "+u.Arch)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("scope %+v, updates fixing %s: %q, listed %q", sc, ref, got, want)
		}
	}
}

// advisory gives a pending package its advisories and CVEs.
func advisory(p report.Package, severity string, ids ...string) report.Package {
	p.Severity = severity
	for _, id := range ids {
		if strings.HasPrefix(id, "CVE-") {
			p.CVEs = append(p.CVEs, id)
		} else {
			p.Advisories = append(p.Advisories, id)
		}
	}
	return p
}

// testPendingPackages: the fleet's pending packages ranked (security
// first, by hosts, the longest pending, by name), narrowed by tenant,
// prefix and security, each with its oldest pending stretch; the hosts
// missing the fix of an advisory or CVE, following each host's latest
// list (an advisory withdrawn, a package installed); malformed cursors
// and orders refused.
func testPendingPackages(t *testing.T, s store.Store) {
	at := func(day, minute int) time.Time {
		return t0.Add(time.Duration(day)*24*time.Hour + time.Duration(minute)*time.Minute)
	}
	openssl := advisory(pkg("openssl", "3.0.7-25.el9", "3.0.7-27.el9", true), "Important", "RHSA-2024:2447", "CVE-2023-5678", "CVE-2024-0727")
	curl := pkg("curl", "7.76.1-26.el9", "7.76.1-29.el9", false)
	kernel := advisory(pkg("kernel", "5.14.0-362.8.1.el9", "5.14.0-427.13.1.el9", true), "Critical", "RHSA-2024:2394", "CVE-2023-6546")
	type host struct {
		tenant string
		day    int
		pkgs   []report.Package
	}
	plan := []host{
		{"acme", 0, []report.Package{openssl, curl}},
		{"acme", 2, []report.Package{openssl, kernel}},
		{"globex", 1, []report.Package{openssl, curl, kernel}},
		{"globex", 3, []report.Package{curl}},
		{"acme", 4, []report.Package{pkg("curl-minimal", "7.76.1-26.el9", "7.76.1-29.el9", false)}},
	}
	hs := make([]*hostRef, len(plan))
	for i, p := range plan {
		h := newHost(uint64(90+i), p.tenant)
		hs[i] = &hostRef{id: h.ID, next: h.Next, tenant: p.tenant}
		save(t, s, []store.Result{store.Created}, received(t, p.tenant, withUpdates(h.Next(at(p.day, i)), p.pkgs...)))
	}
	rank := func(sc store.Scope, f store.PackageFilter) []string {
		t.Helper()
		return packageText(allPendingPackages(t, s, sc, f, 2))
	}
	cases := []struct {
		name string
		sc   store.Scope
		f    store.PackageFilter
		want []string
	}{
		{"admin, security first", store.AllTenants(), store.PackageFilter{},
			[]string{"openssl 3/3 0 0", "kernel 2/2 1442 1442", "curl 3/0 0 -", "curl-minimal 1/0 5764 -"}},
		{"admin, by hosts", store.AllTenants(), store.PackageFilter{Sort: store.PackagesByHosts},
			[]string{"curl 3/0 0 -", "openssl 3/3 0 0", "kernel 2/2 1442 1442", "curl-minimal 1/0 5764 -"}},
		{"admin, oldest", store.AllTenants(), store.PackageFilter{Sort: store.PackagesByAge},
			[]string{"curl 3/0 0 -", "openssl 3/3 0 0", "kernel 2/2 1442 1442", "curl-minimal 1/0 5764 -"}},
		{"admin, by name", store.AllTenants(), store.PackageFilter{Sort: store.PackagesByName},
			[]string{"curl 3/0 0 -", "curl-minimal 1/0 5764 -", "kernel 2/2 1442 1442", "openssl 3/3 0 0"}},
		{"admin, prefix", store.AllTenants(), store.PackageFilter{Prefix: "curl"}, []string{"curl 3/0 0 -", "curl-minimal 1/0 5764 -"}},
		{"admin, security only", store.AllTenants(), store.PackageFilter{SecurityOnly: true}, []string{"openssl 3/3 0 0", "kernel 2/2 1442 1442"}},
		{"globex", store.TenantScope("globex"), store.PackageFilter{},
			[]string{"kernel 1/1 1442 1442", "openssl 1/1 1442 1442", "curl 2/0 1442 -"}},
		{"admin narrowed to acme", store.AllTenants(), store.PackageFilter{Tenant: "acme"},
			[]string{"openssl 2/2 0 0", "kernel 1/1 2881 2881", "curl 1/0 0 -", "curl-minimal 1/0 5764 -"}},
		{"globex asking for acme", store.TenantScope("globex"), store.PackageFilter{Tenant: "acme"}, []string{}},
		{"zero scope", store.Scope{}, store.PackageFilter{}, []string{}},
	}
	for _, tc := range cases {
		if got := rank(tc.sc, tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	fixing := func(sc store.Scope, ref string) []string {
		t.Helper()
		var out []string
		for _, u := range allPendingUpdates(t, s, sc, store.UpdateFilter{Ref: ref}, 1) {
			out = append(out, fmt.Sprintf("%s %s %s [%s] [%s]", u.HostID, u.Name, u.Severity, strings.Join(u.Advisories, " "), strings.Join(u.CVEs, " ")))
		}
		return out
	}
	sslOn := func(i int) string {
		return hs[i].id + " openssl Important [RHSA-2024:2447] [CVE-2023-5678 CVE-2024-0727]"
	}
	want := []string{sslOn(0), sslOn(1), sslOn(2)}
	slices.Sort(want)
	if got := fixing(store.AllTenants(), "RHSA-2024:2447"); !slices.Equal(got, want) {
		t.Errorf("hosts missing RHSA-2024:2447: %q, want %q", got, want)
	}
	if got := fixing(store.AllTenants(), "CVE-2024-0727"); !slices.Equal(got, want) {
		t.Errorf("hosts missing CVE-2024-0727: %q, want %q", got, want)
	}
	if got := fixing(store.TenantScope("globex"), "CVE-2024-0727"); !slices.Equal(got, []string{sslOn(2)}) {
		t.Errorf("globex's hosts missing CVE-2024-0727: %q", got)
	}
	if got := fixing(store.AllTenants(), "cve-2024-0727"); len(got) != 0 {
		t.Errorf("ids compare exactly: %q", got)
	}
	// Host 0 installs openssl; host 2's repository withdraws the advisory
	// (the package still pending, no longer a security update).
	save(t, s, nil, received(t, "acme", withUpdates(hs[0].next(at(5, 0)), curl)))
	withdrawn := pkg("openssl", "3.0.7-25.el9", "3.0.7-27.el9", false)
	save(t, s, nil, received(t, "globex", withUpdates(hs[2].next(at(5, 1)), withdrawn, curl, kernel)))
	if got := fixing(store.AllTenants(), "RHSA-2024:2447"); !slices.Equal(got, []string{sslOn(1)}) {
		t.Errorf("after one host installed and one lost the advisory: %q, want only host 1", got)
	}
	if got := rank(store.AllTenants(), store.PackageFilter{Prefix: "openssl"}); !slices.Equal(got, []string{"openssl 2/1 1442 2881"}) {
		t.Errorf("openssl after: %q", got)
	}
	for _, cursor := range []string{"!!garbage", "WyJhIl0", encodeTestCursor(`["x",1,"openssl"]`)} {
		if _, err := s.PendingPackages(t.Context(), store.AllTenants(), store.PackageFilter{}, store.Page{Cursor: cursor}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PendingPackages cursor %q: err %v, want ErrInvalid", cursor, err)
		}
		if _, err := s.PendingUpdates(t.Context(), store.AllTenants(), store.UpdateFilter{Ref: "CVE-2023-6546"}, store.Page{Cursor: cursor}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PendingUpdates by ref, cursor %q: err %v, want ErrInvalid", cursor, err)
		}
	}
	if _, err := s.PendingPackages(t.Context(), store.AllTenants(), store.PackageFilter{Sort: "popularity"}, store.Page{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("unknown order: err %v, want ErrInvalid", err)
	}
}

// hostRef is a simulated host a test keeps reporting for.
type hostRef struct {
	id, tenant string
	next       func(time.Time) *report.Report
}
