package storetest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// withUpdates gives r an updates section listing pkgs (nil pkgs: an empty
// list, the collector ran and found nothing pending).
func withUpdates(r *report.Report, pkgs ...report.Package) *report.Report {
	u := &report.Updates{Manager: "apt", Count: len(pkgs), SecurityDataAvailable: true, Packages: []report.Package{}, Source: "apt list --upgradable"}
	for _, p := range pkgs {
		u.Packages = append(u.Packages, p)
		if p.Security {
			u.SecurityCount++
		}
	}
	r.Updates = u
	return r
}

func pkg(name, installed, candidate string, security bool) report.Package {
	origin := "jammy-updates"
	if security {
		origin = "jammy-security"
	}
	return report.Package{Name: name, Arch: "amd64", Installed: installed, Candidate: candidate, Security: security, Origin: origin}
}

// received is r as received a minute after its scan.
func received(t *testing.T, tenant string, r *report.Report) store.Incoming {
	in := Incoming(t, tenant, r)
	in.ReceivedAt = r.ScannedAt.Add(time.Minute)
	return in
}

func allHostUpdates(t *testing.T, s store.Store, sc store.Scope, hostID string, limit int) []store.PendingUpdate {
	t.Helper()
	return allPages(t, func(p store.Page) (store.UpdatePage, error) { return s.HostUpdates(t.Context(), sc, hostID, p) }, limit)
}

func allPendingUpdates(t *testing.T, s store.Store, sc store.Scope, f store.UpdateFilter, limit int) []store.PendingUpdate {
	t.Helper()
	return allPages(t, func(p store.Page) (store.UpdatePage, error) { return s.PendingUpdates(t.Context(), sc, f, p) }, limit)
}

func allPages(t *testing.T, read func(store.Page) (store.UpdatePage, error), limit int) []store.PendingUpdate {
	t.Helper()
	out := []store.PendingUpdate{}
	p := store.Page{Limit: limit}
	for range 1000 {
		page, err := read(p)
		if err != nil {
			t.Fatalf("pending updates: %v", err)
		}
		if len(page.Updates) > p.Clamp().Limit {
			t.Fatalf("page of %d updates, limit %d", len(page.Updates), limit)
		}
		out = append(out, page.Updates...)
		if page.Next == "" {
			return out
		}
		p.Cursor = page.Next
	}
	t.Fatal("pending updates: pagination does not end")
	return nil
}

// pendingText is "name candidate since-day" of each update, in order.
func pendingText(us []store.PendingUpdate) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = fmt.Sprintf("%s %s %s d%d", u.Name, u.Candidate, map[bool]string{true: "sec", false: "-"}[u.Security],
			int(u.PendingSince.Sub(t0)/(24*time.Hour)))
	}
	return out
}

// testPendingUpdates: a host's pending packages follow its latest state;
// pending_since is kept while a package stays pending (a new candidate
// too), restarts when it disappears and comes back, and a report without
// an updates section (the collector failed) changes nothing.
func testPendingUpdates(t *testing.T, s store.Store) {
	h := newHost(60, "acme")
	sc := store.TenantScope("acme")
	day := func(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }
	check := func(step string, want ...string) {
		t.Helper()
		if got := pendingText(allHostUpdates(t, s, sc, h.ID, 2)); !slices.Equal(got, want) {
			t.Errorf("%s: pending %q, want %q", step, got, want)
		}
	}
	openssl := pkg("openssl", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.12", true)
	curl := pkg("curl", "7.81.0-1ubuntu1.13", "7.81.0-1ubuntu1.15", false)
	libc := pkg("libc6", "2.35-0ubuntu3.4", "2.35-0ubuntu3.5", false)
	// Listed twice (a manager printing a package per source): one row.
	save(t, s, nil, received(t, "acme", withUpdates(h.Next(day(0)), curl, openssl, libc, libc)))
	check("first report", "openssl 3.0.2-0ubuntu1.12 sec d0", "curl 7.81.0-1ubuntu1.15 - d0", "libc6 2.35-0ubuntu3.5 - d0")

	newer := openssl
	newer.Candidate = "3.0.2-0ubuntu1.13"
	nginx := pkg("nginx", "1.18.0-6ubuntu14.3", "1.18.0-6ubuntu14.4", true)
	save(t, s, nil, received(t, "acme", withUpdates(h.Next(day(1)), newer, libc, nginx)))
	check("new candidate, curl fixed", "openssl 3.0.2-0ubuntu1.13 sec d0", "nginx 1.18.0-6ubuntu14.4 sec d1", "libc6 2.35-0ubuntu3.5 - d0")

	failed := h.Next(day(2))
	failed.Updates = nil
	failed.Errors = []report.CollectorError{{Collector: "packages", Error: "apt list timed out"}}
	save(t, s, nil, received(t, "acme", failed))
	check("no updates section", "openssl 3.0.2-0ubuntu1.13 sec d0", "nginx 1.18.0-6ubuntu14.4 sec d1", "libc6 2.35-0ubuntu3.5 - d0")

	save(t, s, nil, received(t, "acme", withUpdates(h.Next(day(3)), newer, libc, nginx, curl)))
	check("curl back", "openssl 3.0.2-0ubuntu1.13 sec d0", "nginx 1.18.0-6ubuntu14.4 sec d1", "libc6 2.35-0ubuntu3.5 - d0", "curl 7.81.0-1ubuntu1.15 - d3")
	save(t, s, nil, received(t, "acme", withUpdates(h.Next(day(4)), curl, nginx, libc, newer)))
	check("same list reordered", "openssl 3.0.2-0ubuntu1.13 sec d0", "nginx 1.18.0-6ubuntu14.4 sec d1", "libc6 2.35-0ubuntu3.5 - d0", "curl 7.81.0-1ubuntu1.15 - d3")

	// A report received before the latest is history: the list stays.
	old := received(t, "acme", withUpdates(h.Next(day(1).Add(time.Hour))))
	old.ReceivedAt = day(1).Add(2 * time.Hour)
	if out := save(t, s, nil, old); out[0].Latest {
		t.Fatal("an older report became the latest")
	}
	check("older report", "openssl 3.0.2-0ubuntu1.13 sec d0", "nginx 1.18.0-6ubuntu14.4 sec d1", "libc6 2.35-0ubuntu3.5 - d0", "curl 7.81.0-1ubuntu1.15 - d3")

	us := allHostUpdates(t, s, sc, h.ID, 0)
	if u := us[0]; u.HostID != h.ID || u.Hostname != h.Hostname || u.Tenant != "acme" || u.Arch != "amd64" ||
		u.Installed != "3.0.2-0ubuntu1.10" || u.Origin != "jammy-security" {
		t.Errorf("stored update %+v", u)
	}
	save(t, s, nil, received(t, "acme", withUpdates(h.Next(day(5)))))
	check("all installed")
}

// testPendingUpdatesFutureDated: a report dated ahead of the clock, then
// a genuine one with the same list: pending_since moves back to the
// genuine scan (the packages were pending then), as a finding's opened_at
// does.
func testPendingUpdatesFutureDated(t *testing.T, s store.Store) {
	h := newHost(66, "acme")
	openssl := pkg("openssl", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.12", true)
	ahead := Incoming(t, "acme", withUpdates(h.Next(t0.Add(10*24*time.Hour)), openssl))
	ahead.ReceivedAt = t0
	save(t, s, nil, ahead)
	genuine := Incoming(t, "acme", withUpdates(h.Next(t0.Add(24*time.Hour)), openssl))
	genuine.ReceivedAt = t0.Add(25 * time.Hour)
	if out := save(t, s, nil, genuine); !out[0].Latest {
		t.Fatal("the report received last is not the latest")
	}
	if got := pendingText(allHostUpdates(t, s, store.AllTenants(), h.ID, 0)); !slices.Equal(got, []string{"openssl 3.0.2-0ubuntu1.12 sec d1"}) {
		t.Errorf("after a future-dated report: %q, want openssl pending since day 1", got)
	}
}

// testPendingUpdatesFleet: the fleet's hosts with a package pending, in
// scope (a tenant sees its own hosts only), security first, the longest
// pending first, paginated, with malformed cursors refused.
func testPendingUpdatesFleet(t *testing.T, s store.Store) {
	type host struct {
		tenant   string
		security bool
		day      int
	}
	hosts := []host{{"acme", false, 0}, {"acme", true, 3}, {"globex", true, 1}, {"acme", true, 1}, {"globex", false, 2}, {"acme", true, 2}}
	ids := make([]string, len(hosts))
	for i, hh := range hosts {
		h := newHost(uint64(70+i), hh.tenant)
		ids[i] = h.ID
		r := withUpdates(h.Next(t0.Add(time.Duration(hh.day)*24*time.Hour+time.Duration(i)*time.Minute)),
			pkg("openssl", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.12", hh.security),
			pkg(fmt.Sprintf("pkg%d", i), "1", "2", false))
		save(t, s, []store.Result{store.Created}, received(t, hh.tenant, r))
	}
	hostsOf := func(us []store.PendingUpdate) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.HostID
		}
		return out
	}
	cases := []struct {
		name string
		sc   store.Scope
		f    store.UpdateFilter
		want []int
	}{
		{"acme", store.TenantScope("acme"), store.UpdateFilter{Package: "openssl"}, []int{3, 5, 1, 0}},
		{"globex", store.TenantScope("globex"), store.UpdateFilter{Package: "openssl"}, []int{2, 4}},
		{"admin", store.AllTenants(), store.UpdateFilter{Package: "openssl"}, []int{2, 3, 5, 1, 0, 4}},
		{"admin, one tenant", store.AllTenants(), store.UpdateFilter{Package: "openssl", Tenant: "globex"}, []int{2, 4}},
		{"acme asking for globex", store.TenantScope("acme"), store.UpdateFilter{Package: "openssl", Tenant: "globex"}, nil},
		{"security only", store.TenantScope("acme"), store.UpdateFilter{Package: "openssl", SecurityOnly: true}, []int{3, 5, 1}},
		{"another package", store.AllTenants(), store.UpdateFilter{Package: "pkg4"}, []int{4}},
		{"unknown package", store.AllTenants(), store.UpdateFilter{Package: "openssl%"}, nil},
		{"zero scope", store.Scope{}, store.UpdateFilter{Package: "openssl"}, nil},
	}
	for _, tc := range cases {
		for _, limit := range []int{1, 4, 0} {
			want := []string{}
			for _, i := range tc.want {
				want = append(want, ids[i])
			}
			if got := hostsOf(allPendingUpdates(t, s, tc.sc, tc.f, limit)); !slices.Equal(got, want) {
				t.Errorf("%s, limit %d: hosts %v, want %v", tc.name, limit, got, want)
			}
		}
	}
	// Every package of acme, by name: openssl of four hosts, then pkg0, pkg1, pkg3, pkg5.
	if got := allPendingUpdates(t, s, store.TenantScope("acme"), store.UpdateFilter{}, 3); len(got) != 8 || got[0].Name != "openssl" || got[7].Name != "pkg5" {
		t.Errorf("every acme package: %q", pendingText(got))
	}
	if got := allHostUpdates(t, s, store.TenantScope("acme"), ids[2], 0); len(got) != 0 {
		t.Errorf("acme reads globex's host: %v", pendingText(got))
	}
	if got := allHostUpdates(t, s, store.TenantScope("globex"), ids[2], 1); len(got) != 2 || !got[0].Security {
		t.Errorf("globex's own host: %v", pendingText(got))
	}
	for _, cursor := range []string{"!!garbage", "WyJhIl0", encodeTestCursor(`["openssl","x",1,"h","a"]`)} {
		if _, err := s.PendingUpdates(t.Context(), store.AllTenants(), store.UpdateFilter{}, store.Page{Cursor: cursor}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PendingUpdates cursor %q: err %v, want ErrInvalid", cursor, err)
		}
		if _, err := s.HostUpdates(t.Context(), store.AllTenants(), ids[0], store.Page{Cursor: cursor}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("HostUpdates cursor %q: err %v, want ErrInvalid", cursor, err)
		}
	}
}

func encodeTestCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
