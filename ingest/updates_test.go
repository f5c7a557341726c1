package ingest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
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
