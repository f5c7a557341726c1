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
