package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// TestHostPageNamesEachInstance: three PHP copies on one host are three
// rows that say which copy each is and where its version came from (they
// were three bare "php" rows), and a site is named by its path.
func TestHostPageNamesEachInstance(t *testing.T) {
	e := newEnv(t, 1, 1)
	now := *e.clock
	h := reportgen.NewHost(1919, 19, "acme", 0, -1)
	r := h.Next(now.Add(-time.Minute))
	php := func(version, instance, pkg, pkgVersion, source string) report.Component {
		return report.Component{Layer: report.LayerApplications, Product: "php", Version: version, Source: source,
			Details: map[string]string{"instance": instance, "package": pkg, "package_version": pkgVersion}}
	}
	r.Components = []report.Component{
		php("8.1.31", "ea-php81", "ea-php81-php-cli", "8.1.31-1.1.cpanel", "/var/lib/rpm"),
		php("7.4.33", "alt-php74", "alt-php74", "7.4.33-11.el8", "/var/lib/rpm"),
		php("", "system", "", "", "/usr/bin/php"),
		{Layer: report.LayerThirdPartyApps, Product: "wordpress", Version: "6.2.5", Source: "/home/shop/public_html/wp-includes/version.php",
			Details: map[string]string{"path": "/home/shop/public_html"}},
	}
	e.saveReport(r, now.Add(-time.Minute))

	code, page := e.get(e.session(e.tok["viewerA"]), "/hosts/"+h.ID)
	if code != http.StatusOK {
		t.Fatalf("host page: %d", code)
	}
	table := between(page, `id="software"`, "</table>")
	rows := strings.Split(between(table, "<tbody>", "</tbody>"), "</tr>")
	want := [][]string{
		{">php<", "8.1.31", "<code>ea-php81</code>", "package <code>ea-php81-php-cli 8.1.31-1.1.cpanel</code>", "<code>/var/lib/rpm</code>"},
		{">php<", "7.4.33", "<code>alt-php74</code>", "package <code>alt-php74 7.4.33-11.el8</code>"},
		{">php<", ">unknown<", "<code>system</code>", "<code>/usr/bin/php</code>"},
		{">wordpress<", "6.2.5", "<code>/home/shop/public_html</code>", "<code>/home/shop/public_html/wp-includes/version.php</code>"},
	}
	if len(rows) < len(want) {
		t.Fatalf("software table has %d rows:\n%s", len(rows), table)
	}
	for i, cells := range want {
		for _, c := range cells {
			if !strings.Contains(rows[i], c) {
				t.Errorf("row %d lacks %q:\n%s", i, c, rows[i])
			}
		}
	}
	if strings.Contains(rows[2], "package <code>") {
		t.Errorf("the system PHP names a package it did not report:\n%s", rows[2])
	}
}

// TestCouldNotCheckAtTheTop: what the last scan could not check is the
// first thing on the host page, above the facts and the findings (it was
// at the bottom, under the software list).
func TestCouldNotCheckAtTheTop(t *testing.T) {
	e := newEnv(t, 1, 1)
	now := *e.clock
	h := reportgen.NewHost(1920, 20, "acme", 3, -1)
	r := h.Next(now.Add(-time.Minute))
	r.Collectors = nil
	for _, n := range []string{"osinfo", "kernel", "packages", "applications"} {
		r.Collectors = append(r.Collectors, report.CollectorRun{Name: n, Status: report.CollectorOK})
	}
	r.Collectors[2].Status = report.CollectorFailed
	r.Collectors[3].Status = report.CollectorTimedOut
	r.Errors = []report.CollectorError{{Collector: "packages", Error: "apt-get: exit 100"}}
	e.saveReport(r, now.Add(-time.Minute))

	c := e.session(e.tok["viewerA"])
	_, page := e.get(c, "/hosts/"+h.ID)
	box := strings.Index(page, `id="could-not-check"`)
	if box < 0 {
		t.Fatalf("no could-not-check section:\n%s", page)
	}
	for _, after := range []string{`class="facts card"`, `id="provider"`, `id="components"`} {
		if i := strings.Index(page, after); i < box {
			t.Errorf("%s comes before the could-not-check section", after)
		}
	}
	list := between(page[box:], `id="failing-collectors"`, "</ul>")
	for _, want := range []string{"the packages check failed: apt-get: exit 100", "the applications check timed out"} {
		if !strings.Contains(list, want) {
			t.Errorf("could-not-check lacks %q:\n%s", want, list)
		}
	}
	if strings.Count(page, "Could not check") != 1 {
		t.Errorf("the page says Could not check %d times, want once", strings.Count(page, "Could not check"))
	}

	// A host whose last scan checked everything shows no such section.
	clean := reportgen.NewHost(1921, 21, "acme", 3, -1)
	r = clean.Next(now.Add(-time.Minute))
	r.Errors, r.Collectors = nil, []report.CollectorRun{{Name: "osinfo", Status: report.CollectorOK}}
	e.saveReport(r, now.Add(-time.Minute))
	if _, page := e.get(c, "/hosts/"+clean.ID); strings.Contains(page, `id="could-not-check"`) {
		t.Error("a clean host shows a could-not-check section")
	}
}
