package ingest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

func pending(name string, security bool) report.Package {
	return report.Package{Name: name, Arch: "amd64", Installed: "1.0", Candidate: "1.1", Security: security, Origin: "jammy-updates"}
}

// TestUpdatesAPI: a host's pending packages (security first, with their
// age) and the fleet's hosts with a package pending, each scoped to the
// reader's tenant, paginated, malformed parameters refused.
func TestUpdatesAPI(t *testing.T) {
	now := t0.Add(23*24*time.Hour + time.Hour)
	e := newEnv(t, func(c *ingest.Config) { c.Now = func() time.Time { return now } })
	acme, globex := host(80, "acme"), host(81, "globex")
	for i, pkgs := range [][]report.Package{
		{pending("curl", false), pending("openssl", true)},
		{pending("curl", false), pending("openssl", true), pending("zlib1g", true)},
	} {
		r := acme.Next(t0.Add(time.Duration(i) * 24 * time.Hour))
		r.Updates = &report.Updates{Manager: "apt", Count: len(pkgs), SecurityDataAvailable: true, Packages: pkgs}
		if st, _ := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
			t.Fatalf("acme post: %d", st)
		}
	}
	g := globex.Next(t0)
	g.Updates = &report.Updates{Manager: "apt", Count: 1, Packages: []report.Package{pending("openssl", false)}}
	if st, _ := e.post(e.tok["agentB"], g); st != http.StatusAccepted {
		t.Fatalf("globex post: %d", st)
	}

	var page store.UpdatePage
	if st := e.get(e.tok["viewerA"], "/api/v1/hosts/"+acme.ID+"/updates", &page); st != http.StatusOK {
		t.Fatalf("host updates: %d", st)
	}
	var got []string
	for _, u := range page.Updates {
		got = append(got, u.Name)
	}
	if strings.Join(got, " ") != "openssl zlib1g curl" {
		t.Errorf("host updates in order %v, want openssl zlib1g curl (security, then the longest pending)", got)
	}
	if u := page.Updates[0]; !u.PendingSince.Equal(t0) || u.PendingDays != 23 || u.Hostname != acme.Hostname {
		t.Errorf("openssl: pending since %v, %d days, host %q; want %v, 23 days", u.PendingSince, u.PendingDays, u.Hostname, t0)
	}

	// Paging through the host's list, one at a time.
	seen, path := 0, "/api/v1/hosts/"+acme.ID+"/updates?limit=1"
	for range 10 {
		var p store.UpdatePage
		if st := e.get(e.tok["viewerA"], path, &p); st != http.StatusOK || len(p.Updates) > 1 {
			t.Fatalf("GET %s: %d, %d updates", path, st, len(p.Updates))
		}
		seen += len(p.Updates)
		if p.Next == "" {
			break
		}
		path = "/api/v1/hosts/" + acme.ID + "/updates?limit=1&cursor=" + url.QueryEscape(p.Next)
	}
	if seen != 3 {
		t.Errorf("paged through %d updates, want 3", seen)
	}

	hostsWith := func(tok, query string) []string {
		t.Helper()
		var p store.UpdatePage
		if st := e.get(tok, "/api/v1/updates?"+query, &p); st != http.StatusOK {
			t.Fatalf("updates?%s: %d", query, st)
		}
		var out []string
		for _, u := range p.Updates {
			out = append(out, u.Tenant+":"+u.Name)
		}
		return out
	}
	for _, tc := range []struct{ tok, query, want string }{
		{"viewerA", "package=openssl", "acme:openssl"},
		{"viewerB", "package=openssl", "globex:openssl"},
		{"admin", "package=openssl", "acme:openssl globex:openssl"},
		{"admin", "package=openssl&security=true", "acme:openssl"},
		{"admin", "package=openssl&tenant=globex", "globex:openssl"},
		{"viewerA", "package=openssl&tenant=globex", ""},
		{"viewerB", "package=zlib1g", ""},
		{"viewerA", "", "acme:curl acme:openssl acme:zlib1g"},
	} {
		if got := strings.Join(hostsWith(e.tok[tc.tok], tc.query), " "); got != tc.want {
			t.Errorf("%s updates?%s: %q, want %q", tc.tok, tc.query, got, tc.want)
		}
	}

	if st := e.get(e.tok["viewerB"], "/api/v1/hosts/"+acme.ID+"/updates", nil); st != http.StatusNotFound {
		t.Errorf("another tenant's host: %d, want 404", st)
	}
	if st := e.get(e.tok["agentA"], "/api/v1/updates?package=openssl", nil); st != http.StatusForbidden {
		t.Errorf("an agent token reads updates: %d, want 403", st)
	}
	for _, bad := range []string{
		"/api/v1/updates?limit=0", "/api/v1/updates?limit=x", "/api/v1/updates?cursor=%21%21",
		"/api/v1/updates?security=yes", "/api/v1/updates?tenant=ACME%21", "/api/v1/updates?package=" + strings.Repeat("x", 300),
		"/api/v1/updates?package=open%00ssl", "/api/v1/updates?package=%ff",
		"/api/v1/hosts/" + acme.ID + "/updates?limit=-1", "/api/v1/hosts/" + acme.ID + "/updates?cursor=WyJhIl0",
	} {
		if st := e.get(e.tok["admin"], bad, nil); st != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, st)
		}
	}
}

// TestUpdatesByAdvisoryAPI is issue 16's question: which hosts still miss
// the fix for this advisory (or CVE), since when; and the fleet's pending
// packages ranked, "openssl pending 23 days on 2 hosts". Scoped to the
// reader's tenant, malformed ids and orders refused.
func TestUpdatesByAdvisoryAPI(t *testing.T) {
	now := t0.Add(23*24*time.Hour + time.Hour)
	e := newEnv(t, func(c *ingest.Config) { c.Now = func() time.Time { return now } })
	fixed := pending("openssl", true)
	fixed.Advisories, fixed.Severity, fixed.CVEs = []string{"RHSA-2024:2447"}, "Important", []string{"CVE-2023-5678", "CVE-2024-0727"}
	kernel := pending("kernel", true)
	kernel.Advisories, kernel.Severity, kernel.CVEs = []string{"RHSA-2024:2394"}, "Critical", []string{"CVE-2023-6546"}
	a1, a2, g1 := host(82, "acme"), host(83, "acme"), host(84, "globex")
	for _, p := range []struct {
		h    *reportgen.Host
		tok  string
		day  int
		pkgs []report.Package
	}{
		{a1, "agentA", 0, []report.Package{fixed, pending("curl", false)}},
		{a2, "agentA", 2, []report.Package{fixed, kernel}},
		{g1, "agentB", 1, []report.Package{fixed}},
	} {
		r := p.h.Next(t0.Add(time.Duration(p.day) * 24 * time.Hour))
		r.Updates = &report.Updates{Manager: "dnf", Count: len(p.pkgs), SecurityCount: len(p.pkgs), SecurityDataAvailable: true, Packages: p.pkgs}
		if st, body := e.post(e.tok[p.tok], r); st != http.StatusAccepted {
			t.Fatalf("post: %d %s", st, body)
		}
	}
	hostsFixing := func(tok, query string) string {
		t.Helper()
		var p store.UpdatePage
		if st := e.get(e.tok[tok], "/api/v1/updates?"+query, &p); st != http.StatusOK {
			t.Fatalf("updates?%s: %d", query, st)
		}
		var out []string
		for _, u := range p.Updates {
			out = append(out, fmt.Sprintf("%s:%s:%s:%d:%s:%s", u.Hostname, u.Name, u.Severity, u.PendingDays,
				strings.Join(u.Advisories, ","), strings.Join(u.CVEs, ",")))
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	ssl := func(h *reportgen.Host, days int) string {
		return fmt.Sprintf("%s:openssl:Important:%d:RHSA-2024:2447:CVE-2023-5678,CVE-2024-0727", h.Hostname, days)
	}
	all := strings.Join(slices.Sorted(slices.Values([]string{ssl(a1, 23), ssl(a2, 21), ssl(g1, 22)})), " ")
	acme := strings.Join(slices.Sorted(slices.Values([]string{ssl(a1, 23), ssl(a2, 21)})), " ")
	for _, tc := range []struct{ tok, query, want string }{
		{"admin", "advisory=RHSA-2024:2447", all},
		{"admin", "cve=CVE-2024-0727", all},
		{"admin", "cve=cve-2024-0727", all}, // a CVE id in lower case
		{"viewerA", "advisory=RHSA-2024:2447", acme},
		{"viewerB", "cve=CVE-2023-6546", ""},
		{"admin", "cve=CVE-2023-6546", fmt.Sprintf("%s:kernel:Critical:21:RHSA-2024:2394:CVE-2023-6546", a2.Hostname)},
		{"admin", "advisory=RHSA-2024:2447&tenant=globex", ssl(g1, 22)},
		{"admin", "advisory=RHSA-2024:9999", ""},
	} {
		if got := hostsFixing(tc.tok, tc.query); got != tc.want {
			t.Errorf("%s updates?%s:\n got %q\nwant %q", tc.tok, tc.query, got, tc.want)
		}
	}
	// The CSV export of the same question carries the ids.
	st, _, body := e.raw(e.tok["admin"], "/api/v1/updates?cve=CVE-2024-0727&format=csv")
	if rows := csvRows(t, body); st != http.StatusOK || len(rows) != 3 || rows[0]["advisories"] != "RHSA-2024:2447" ||
		rows[0]["cves"] != "CVE-2023-5678 CVE-2024-0727" || rows[0]["severity"] != "Important" {
		t.Errorf("CSV by CVE: %d %v", st, rows)
	}

	ranked := func(tok, query string) string {
		t.Helper()
		var p store.PackagePage
		if st := e.get(e.tok[tok], "/api/v1/updates/packages?"+query, &p); st != http.StatusOK {
			t.Fatalf("packages?%s: %d", query, st)
		}
		var out []string
		for _, k := range p.Packages {
			out = append(out, fmt.Sprintf("%s:%d/%d:%dd", k.Name, k.Hosts, k.SecurityHosts, k.OldestDays))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct{ tok, query, want string }{
		{"admin", "", "openssl:3/3:23d kernel:1/1:21d curl:1/0:23d"},
		{"admin", "sort=name", "curl:1/0:23d kernel:1/1:21d openssl:3/3:23d"},
		{"admin", "sort=oldest&security=true", "openssl:3/3:23d kernel:1/1:21d"},
		{"admin", "prefix=ker", "kernel:1/1:21d"},
		{"viewerB", "", "openssl:1/1:22d"},
		{"viewerB", "tenant=acme", ""},
		{"admin", "tenant=acme&limit=1", "openssl:2/2:23d"},
	} {
		if got := ranked(tc.tok, tc.query); got != tc.want {
			t.Errorf("%s packages?%s: %q, want %q", tc.tok, tc.query, got, tc.want)
		}
	}
	for _, bad := range []string{
		"/api/v1/updates?advisory=RHSA%202024", "/api/v1/updates?cve=CVE-24-1", "/api/v1/updates?cve=2024-0727",
		"/api/v1/updates?advisory=RHSA-2024:2447&cve=CVE-2024-0727", "/api/v1/updates?advisory=" + strings.Repeat("x", 200),
		"/api/v1/updates/packages?sort=popular", "/api/v1/updates/packages?security=1", "/api/v1/updates/packages?prefix=%00",
		"/api/v1/updates/packages?cursor=WyJhIl0", "/api/v1/updates/packages?limit=0",
	} {
		if st := e.get(e.tok["admin"], bad, nil); st != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, st)
		}
	}
	if st := e.get(e.tok["agentA"], "/api/v1/updates/packages", nil); st != http.StatusForbidden {
		t.Errorf("an agent token reads the ranking: %d, want 403", st)
	}
}
