package web_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// saveReport stores r straight into the store; claimed, when given, is
// the profile the received body claims (store.Incoming.Claimed).
func (e *env) saveReport(r *report.Report, at time.Time, claimed ...report.Profile) {
	e.t.Helper()
	e.saveTenantReport("acme", r, at, claimed...)
}

// saveTenantReport stores r as a report of tenant's, received at at.
func (e *env) saveTenantReport(tenant string, r *report.Report, at time.Time, claimed ...report.Profile) {
	e.t.Helper()
	body, err := json.Marshal(r)
	if err != nil {
		e.t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(body)
	zw.Close()
	in := store.Incoming{Tenant: tenant, Report: r, Gzip: buf.Bytes(), SHA256: sha256.Sum256(body), ReceivedAt: at}
	if len(claimed) > 0 {
		in.Claimed = claimed[0]
	}
	if out, err := e.st.SaveBatch(e.t.Context(), []store.Incoming{in}); err != nil || out[0].Result != store.Created {
		e.t.Fatalf("save: %v %+v", err, out)
	}
}

// TestUnverifiedFindings: issue 13's host, whose packages collector
// failed in its latest scan, shows its findings as unverified with why,
// is flagged in the hosts list and listed on the overview. The collector's
// error text is the host's to write: it is escaped.
func TestUnverifiedFindings(t *testing.T) {
	e := newEnv(t, 4, 1)
	now := *e.clock
	h := reportgen.NewHost(1313, 13, "acme", 0, -1)
	mk := func(at time.Time, fs []report.Finding) *report.Report {
		r := h.Next(at)
		r.Host.Hostname = "web13.acme.example.net"
		r.Findings, r.Summary, r.Errors = fs, report.Summarize(fs), []report.CollectorError{}
		for _, n := range []string{"osinfo", "kernel", "packages", "controlpanel", "webapps", "hypervisor", "firmware", "applications"} {
			r.Collectors = append(r.Collectors, report.CollectorRun{Name: n, Status: report.CollectorOK})
		}
		return r
	}
	f := func(id string, k report.Kind, l report.Layer, product string) report.Finding {
		return report.Finding{ID: id, Kind: k, Layer: l, Product: product, Installed: "x", Severity: report.SeverityHigh,
			Responsible: report.ResponsibleProvider, Rule: "matrix", Rationale: product + " is behind."}
	}
	e.saveReport(mk(now.Add(-2*time.Hour), []report.Finding{
		f("f-mariadb", report.KindEOL, report.LayerApplications, "MariaDB"),
		f("f-updates", report.KindUpdatesPending, report.LayerOperatingSystem, "Ubuntu"),
		f("f-php", report.KindPatchBehind, report.LayerApplications, "PHP"),
		f("f-apache", report.KindPatchBehind, report.LayerApplications, "Apache httpd"),
	}), now.Add(-2*time.Hour))
	failed := mk(now.Add(-30*time.Second), []report.Finding{})
	failed.Collectors[2].Status = report.CollectorFailed
	failed.Collectors[7].Status = report.CollectorPartial
	failed.Errors = []report.CollectorError{
		{Collector: "packages", Error: "apt-get: exit 100 " + hostile},
		{Collector: "applications", Error: "package database: permission denied"},
	}
	e.saveReport(failed, now.Add(-30*time.Second))

	c := e.session(e.tok["viewerA"])
	code, page := e.get(c, "/hosts/"+h.ID)
	if code != http.StatusOK {
		t.Fatalf("host page: %d", code)
	}
	if strings.Contains(page, "<script>window.__pwned") {
		t.Error("a collector's error is not escaped")
	}
	since := failed.ScannedAt.UTC().Format("2 Jan 2006")
	for id, why := range map[string]string{
		"f-updates": "the packages check failed: apt-get: exit 100 &lt;script&gt;",
		"f-mariadb": "the applications check failed in part: package database: permission denied",
		"f-php":     "the applications check failed in part",
		"f-apache":  "the applications check failed in part",
	} {
		badge := between(page, `id="unverified-`+id+`"`, "</p>")
		if !strings.Contains(badge, "unverified since "+since) || !strings.Contains(badge, why) {
			t.Errorf("%s: badge %q, want unverified since %s and %q", id, badge, since, why)
		}
	}
	if strings.Contains(between(page, `id="fixed"`, "</section>"), "MariaDB") {
		t.Error("MariaDB is listed as fixed")
	}
	if !strings.Contains(page, `id="failing-collectors"`) {
		t.Error("the host page does not say what its last scan could not check")
	}

	_, page = e.get(c, "/hosts?failing=1")
	if !strings.Contains(page, `<strong id="hosts-total">1</strong>`) || !strings.Contains(page, `data-failing="applications, packages"`) ||
		!strings.Contains(page, "could not check: applications, packages") {
		t.Errorf("hosts list: the failing host is not flagged:\n%s", between(page, `id="hosts-table"`, "</table>"))
	}
	_, page = e.get(c, "/hosts")
	if n := strings.Count(page, "could not check:"); n != 1 {
		t.Errorf("hosts list flags %d hosts, want 1", n)
	}
	_, page = e.get(c, "/")
	if !strings.Contains(page, `id="failing-count">1<`) || !strings.Contains(between(page, `id="failing-hosts"`, "</table>"), "web13.acme.example.net") {
		t.Errorf("overview: %s", between(page, `id="failing"`, "</section>"))
	}

	// The API says it too.
	var fp store.FindingPage
	e.api(e.tok["viewerA"], "/api/v1/findings?host_id="+h.ID, &fp)
	if len(fp.Findings) != 4 || fp.Findings[0].UnverifiedSince == nil {
		t.Errorf("API findings: %+v", fp.Findings)
	}
}
