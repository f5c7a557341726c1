package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// TestHostPendingUpdates: the host page lists the host's pending packages,
// security first with their age, 50 at a time with a link to the rest,
// and keeps the list when the latest scan could not check it.
func TestHostPendingUpdates(t *testing.T) {
	e := newEnv(t, 1, 1)
	now := *e.clock
	h := reportgen.NewHost(1616, 16, "acme", 0, -1)
	pkgs := []report.Package{}
	for i := range 60 {
		pkgs = append(pkgs, report.Package{Name: fmt.Sprintf("lib%02d", i), Arch: "amd64", Installed: "1", Candidate: "2"})
	}
	pkgs = append(pkgs, report.Package{Name: "openssl", Arch: "amd64", Installed: "3.0.2-0ubuntu1.10",
		Candidate: "3.0.2-0ubuntu1.12", Security: true, Origin: "jammy-security"})
	r := h.Next(now.Add(-23 * 24 * time.Hour))
	r.Updates = &report.Updates{Manager: "apt", Count: len(pkgs), SecurityCount: 1, SecurityDataAvailable: true, Packages: pkgs}
	e.saveReport(r, r.ScannedAt)
	failed := h.Next(now.Add(-time.Hour))
	failed.Updates = nil
	failed.Errors = []report.CollectorError{{Collector: "packages", Error: "apt timed out"}}
	e.saveReport(failed, failed.ScannedAt)

	c := e.session(e.tok["viewerA"])
	_, page := e.get(c, "/hosts/"+h.ID)
	table := between(page, `id="pending-updates"`, "</table>")
	rows := strings.Split(between(table, "<tbody>", "</tbody>"), "</tr>")
	if len(rows) != 51 || !strings.Contains(rows[0], "openssl") || !strings.Contains(rows[0], "security") ||
		!strings.Contains(rows[0], "23 days") || !strings.Contains(rows[0], "3.0.2-0ubuntu1.12") {
		t.Fatalf("pending updates: %d rows, first %q; want 50, openssl (security, 23 days) first", len(rows)-1, rows[0])
	}
	if !strings.Contains(page, `id="updates-unchecked"`) {
		t.Error("the page does not say the latest scan could not list the pending packages")
	}
	next := between(page, `id="pending-next" href="`, `"`)
	if next == "" {
		t.Fatal("no link to the rest of the pending updates")
	}
	_, page = e.get(c, strings.ReplaceAll(next, "&amp;", "&"))
	rows = strings.Split(between(between(page, `id="pending-updates"`, "</table>"), "<tbody>", "</tbody>"), "</tr>")
	if len(rows) != 12 || !strings.Contains(rows[10], "lib59") || strings.Contains(page, `id="pending-next"`) {
		t.Errorf("second page: %d rows, want the other 11 ending with lib59 and no next link", len(rows)-1)
	}
	if st, _ := e.get(c, "/hosts/"+h.ID+"?updates=%21%21"); st != 400 {
		t.Errorf("a malformed updates cursor: %d, want 400", st)
	}
}

// TestUpdatesPage: the Updates page ranks the pending packages in scope
// (security first, then by age on request) and answers "which hosts still
// miss the fix for this advisory / CVE / package, since when", each
// scoped to the reader's tenant, with a download of the same list.
func TestUpdatesPage(t *testing.T) {
	e := newEnv(t, 0, 1)
	now := *e.clock
	ssl := report.Package{Name: "openssl", Arch: "x86_64", Installed: "1:3.0.7-25.el9", Candidate: "1:3.0.7-27.el9", Security: true,
		Origin: "baseos", Severity: "Important", Advisories: []string{"RHSA-2024:2447"}, CVEs: []string{"CVE-2023-5678", "CVE-2024-0727"}}
	curl := report.Package{Name: "curl", Arch: "x86_64", Installed: "7.76.1-26.el9", Candidate: "7.76.1-29.el9", Origin: "baseos"}
	var acme []*reportgen.Host
	for i, p := range []struct {
		tenant string
		days   int
		pkgs   []report.Package
	}{
		{"acme", 23, []report.Package{ssl, curl}},
		{"acme", 5, []report.Package{ssl}},
		{"globex", 40, []report.Package{ssl, curl}},
		{"acme", 2, []report.Package{curl}},
	} {
		h := reportgen.NewHost(uint64(1700+i), 17+i, p.tenant, 0, -1)
		if p.tenant == "acme" {
			acme = append(acme, h)
		}
		r := h.Next(now.Add(-time.Duration(p.days) * 24 * time.Hour))
		r.Updates = &report.Updates{Manager: "dnf", Count: len(p.pkgs), SecurityDataAvailable: true, Packages: p.pkgs}
		e.saveTenantReport(p.tenant, r, r.ScannedAt)
	}
	rows := func(page, table string) []string {
		t.Helper()
		body := between(between(page, `id="`+table+`"`, "</table>"), "<tbody>", "</tbody>")
		var out []string
		for _, r := range strings.Split(body, "</tr>") {
			if r = strings.TrimSpace(r); r != "" {
				out = append(out, r)
			}
		}
		return out
	}
	admin, viewer := e.session(e.tok["admin"]), e.session(e.tok["viewerA"])

	st, page := e.get(admin, "/updates")
	ranked := rows(page, "updates-packages")
	if st != 200 || len(ranked) != 2 || !strings.Contains(ranked[0], ">openssl<") || !strings.Contains(ranked[0], "40 days") ||
		!strings.Contains(ranked[0], `<span class="tag">3</span>`) || !strings.Contains(ranked[1], ">curl<") {
		t.Fatalf("admin's ranking: %d %q", st, ranked)
	}
	_, page = e.get(viewer, "/updates?sort=name")
	ranked = rows(page, "updates-packages")
	if len(ranked) != 2 || !strings.Contains(ranked[0], ">curl<") || !strings.Contains(ranked[1], "23 days") || strings.Contains(page, "40 days") {
		t.Errorf("acme's ranking by name (its own hosts: openssl 23 days at most): %q", ranked)
	}
	if !strings.Contains(page, `<option value="name" selected>name</option>`) || strings.Contains(page, `id="f-tenant"`) {
		t.Error("a viewer's ranking by name: the sort menu does not show it, or a tenant menu is offered")
	}

	for _, q := range []string{"RHSA-2024:2447", "CVE-2024-0727", "cve-2024-0727", "openssl"} {
		_, page = e.get(viewer, "/updates?q="+q)
		hosts := rows(page, "updates-hosts")
		if len(hosts) != 2 || strings.Contains(page, "globex") {
			t.Errorf("acme searching %s: %d hosts %q, want acme's 2", q, len(hosts), hosts)
			continue
		}
		all := strings.Join(hosts, "")
		for _, h := range acme[:2] {
			if !strings.Contains(all, h.Hostname) {
				t.Errorf("acme searching %s: %s missing", q, h.Hostname)
			}
		}
		if !strings.Contains(all, "23 days") || !strings.Contains(all, "RHSA-2024:2447") {
			t.Errorf("acme searching %s: no age or advisory in %q", q, all)
		}
	}
	_, page = e.get(admin, "/updates?q=CVE-2024-0727")
	if hosts := rows(page, "updates-hosts"); len(hosts) != 3 || !strings.Contains(page, "Hosts still missing the fix for <strong>CVE-2024-0727</strong>") {
		t.Errorf("admin searching the CVE: %q", hosts)
	}
	_, page = e.get(admin, "/updates?q=RHSA-2099:0001")
	if !strings.Contains(page, `id="updates-none"`) || !strings.Contains(page, "fixes RHSA-2099:0001") {
		t.Error("an advisory no host waits for does not say so")
	}
	st, csv := e.get(admin, "/updates?q=RHSA-2024:2447&as=ref&format=csv")
	if st != 200 || strings.Count(csv, "\n") != 4 || !strings.Contains(csv, "CVE-2023-5678 CVE-2024-0727") {
		t.Errorf("download of an advisory's hosts: %d %q", st, csv)
	}
	for _, bad := range []string{"/updates?cursor=%21%21", "/updates?sort=popular", "/updates?q=open%01ssl", "/updates?format=xls", "/updates?format=csv"} {
		if st, _ := e.get(admin, bad); st != 400 {
			t.Errorf("GET %s: %d, want 400", bad, st)
		}
	}
}
