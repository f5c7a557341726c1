package sqlstore

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// TestFindingChangeIndexes: an open finding that changes within its group
// and rank (a newer latest version released, new evidence) writes the
// findings row, not the four partial indexes of open findings; one whose
// severity changes writes them, and they hold it after. Before, every
// changed finding was upserted with all its columns in the SET, and SQLite
// rewrote its entry in each of the four (at 100k hosts four leaves apiece,
// and a re-judge after a lifecycle update changes many findings a host).
func TestFindingChangeIndexes(t *testing.T) {
	t.Parallel()
	db, s, path := walSQLite(t)
	h := reportgen.NewHost(3, 1, "acme", 10, -1)
	at := time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC)
	post := func(edit func(fs []report.Finding)) map[string]int {
		t.Helper()
		return btreesWritten(t, db, path, func() {
			at = at.Add(time.Hour)
			r := h.Next(at)
			r.Findings = slices.Clone(r.Findings)
			edit(r.Findings)
			r.Summary = report.Summarize(r.Findings)
			saveLatest(t, s, r, at)
		})
	}
	var id string
	post(func(fs []report.Finding) { id = fs[0].ID })
	row := func() (latest, severity string, rank, opened, lastSeen int64) {
		t.Helper()
		// Through the open findings' index by severity: it must hold the
		// row's rank.
		err := db.QueryRow(`SELECT latest, severity, sev_rank, opened_at, last_seen FROM findings INDEXED BY findings_open_sev
WHERE sev_rank >= 0 AND resolved_at IS NULL AND finding_id = ?`, id).Scan(&latest, &severity, &rank, &opened, &lastSeen)
		if err != nil {
			t.Fatal(err)
		}
		return latest, severity, rank, opened, lastSeen
	}
	latest0, sev0, _, opened0, seen0 := row()
	open := []string{"findings_open_group", "findings_open_tenant_group", "findings_open_sev", "findings_open_tenant_sev"}

	// Five in place: statements of four rows and of one.
	w := post(func(fs []report.Finding) {
		for i := range 5 {
			fs[i].Latest += ".1"
		}
	})
	if w["findings"] == 0 {
		t.Errorf("a new latest wrote %v: not findings", w)
	}
	for _, ix := range open {
		if w[ix] > 0 {
			t.Errorf("a new latest, the same group, wrote %d pages of %s (%v)", w[ix], ix, w)
		}
	}
	latest, sev, _, opened, seen := row()
	if latest != latest0+".1" || sev != sev0 || opened != opened0 || seen <= seen0 {
		t.Errorf("after a new latest: %q %s opened %d seen %d, want %q %s opened %d seen after %d", latest, sev, opened, seen, latest0+".1", sev0, opened0, seen0)
	}

	// Found by its key, writing the table alone.
	for _, n := range chunkSizes {
		q := s.q.refreshFindings[n]
		if got := openedForWrite(t, db, q); !slices.Equal(got, []string{"findings"}) {
			t.Errorf("the refresh of %d rows writes %q, want findings alone", n, got)
		}
		for _, d := range queryPlan(t, db, q, make([]any, n*(2+len(refreshCols)))...) {
			if strings.HasPrefix(d, "SCAN findings") {
				t.Errorf("the refresh of %d rows scans findings: %s", n, d)
			}
		}
	}

	raised := report.SeverityCritical
	if report.Severity(sev0) == raised {
		raised = report.SeverityLow
	}
	w = post(func(fs []report.Finding) { fs[0].Latest += ".1"; fs[0].Severity = raised })
	for _, ix := range open {
		if w[ix] == 0 {
			t.Errorf("a new severity wrote no page of %s (%v)", ix, w)
		}
	}
	if _, sev, rank, opened, _ := row(); sev != string(raised) || rank != int64(raised.Rank()) || opened != opened0 {
		t.Errorf("after a new severity: %s rank %d opened %d, want %s %d %d", sev, rank, opened, raised, raised.Rank(), opened0)
	}
}
