package sqlstore

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// TestUpdatesWrittenOnChange: a report whose pending list equals the
// stored one writes no host_updates row (nor the digest); a change writes
// only the packages that changed. Triggers count the row writes.
func TestUpdatesWrittenOnChange(t *testing.T) {
	t.Parallel()
	db, s := migratedSQLite(t)
	for _, q := range []string{
		`CREATE TABLE writes (n INTEGER NOT NULL)`, `INSERT INTO writes VALUES (0)`,
		`CREATE TRIGGER wi AFTER INSERT ON host_updates BEGIN UPDATE writes SET n = n + 1; END`,
		`CREATE TRIGGER wu AFTER UPDATE ON host_updates BEGIN UPDATE writes SET n = n + 1; END`,
		`CREATE TRIGGER wd AFTER DELETE ON host_updates BEGIN UPDATE writes SET n = n + 1; END`,
		`CREATE TRIGGER wh AFTER UPDATE OF updates_digest ON hosts BEGIN UPDATE writes SET n = n + 100; END`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	h := reportgen.NewHost(1, 1, "acme", 10, -1)
	at := time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC)
	pkgs := make([]report.Package, 50)
	for i := range pkgs {
		pkgs[i] = report.Package{Name: "pkg" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Installed: "1", Candidate: "2", Security: i%3 == 0}
	}
	post := func(ps []report.Package, none bool) int {
		t.Helper()
		at = at.Add(time.Hour)
		r := h.Next(at)
		if !none {
			r.Updates = &report.Updates{Manager: "apt", Count: len(ps), Packages: ps}
		}
		var before, after int
		if err := db.QueryRow(`SELECT n FROM writes`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		saveLatest(t, s, r, at)
		if err := db.QueryRow(`SELECT n FROM writes`).Scan(&after); err != nil {
			t.Fatal(err)
		}
		return after - before
	}
	if n := post(pkgs, false); n != 150 {
		t.Errorf("first list: %d writes, want 50 rows and the digest", n)
	}
	if n := post(pkgs, false); n != 0 {
		t.Errorf("the same list: %d writes, want none", n)
	}
	if n := post(nil, true); n != 0 {
		t.Errorf("no updates section: %d writes, want none", n)
	}
	changed := append([]report.Package(nil), pkgs[1:]...)
	changed[0].Candidate = "3"
	if n := post(changed, false); n != 102 {
		t.Errorf("one gone, one changed: %d writes, want 2 rows and the digest", n)
	}
}

// TestPendingChangeIndexes: a pending package whose candidate (or origin,
// or advisories) changes while its security rank stays writes the
// host_updates row, not the two indexes by name; one whose rank changes
// writes them too, and they then hold the new rank. Before, every changed
// package was upserted with its tenant and rank in the SET, and SQLite
// rewrote both index entries (two more leaves a change at 100k hosts).
// The WAL's frames show which B-trees a report's commit wrote.
func TestPendingChangeIndexes(t *testing.T) {
	t.Parallel()
	db, s, path := walSQLite(t)
	h := reportgen.NewHost(1, 1, "acme", 10, -1)
	at := time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC)
	pkgs := make([]report.Package, 40)
	for i := range pkgs {
		pkgs[i] = report.Package{Name: fmt.Sprintf("pkg%02d", i), Arch: "amd64", Installed: "1", Candidate: "2", Security: i%3 == 0}
	}
	post := func(ps []report.Package) map[string]int {
		t.Helper()
		return btreesWritten(t, db, path, func() {
			at = at.Add(time.Hour)
			r := h.Next(at)
			r.Updates = &report.Updates{Manager: "apt", Count: len(ps), Packages: ps}
			saveLatest(t, s, r, at)
		})
	}
	stored := func(name string) (candidate string, rank int64, firstSeen int64) {
		t.Helper()
		// Through the index by name: it must hold the row's rank.
		err := db.QueryRow(`SELECT candidate, sec_rank, first_seen FROM host_updates INDEXED BY host_updates_name
WHERE name = ? AND sec_rank >= 0`, name).Scan(&candidate, &rank, &firstSeen)
		if err != nil {
			t.Fatal(err)
		}
		return candidate, rank, firstSeen
	}
	post(pkgs)
	_, _, seen := stored("pkg04")
	byName := []string{"host_updates_name", "host_updates_tenant_name"}

	bumped := slices.Clone(pkgs)
	bumped[4].Candidate, bumped[4].Origin = "3", "updates"
	w := post(bumped)
	if w["host_updates"] == 0 {
		t.Errorf("a new candidate wrote %v: not host_updates", w)
	}
	for _, ix := range byName {
		if w[ix] > 0 {
			t.Errorf("a new candidate, the same rank, wrote %d pages of %s (%v)", w[ix], ix, w)
		}
	}
	if c, rank, fs := stored("pkg04"); c != "3" || rank != 1 || fs != seen {
		t.Errorf("after a new candidate: candidate %q rank %d first seen %d, want 3, 1, %d", c, rank, fs, seen)
	}

	secured := slices.Clone(bumped)
	secured[4].Security = true
	w = post(secured)
	for _, ix := range byName {
		if w[ix] == 0 {
			t.Errorf("a new rank wrote no page of %s (%v)", ix, w)
		}
	}
	if c, rank, fs := stored("pkg04"); c != "3" || rank != 0 || fs != seen {
		t.Errorf("after a new rank: candidate %q rank %d first seen %d, want 3, 0, %d", c, rank, fs, seen)
	}
	var tenantRank int64
	if err := db.QueryRow(`SELECT sec_rank FROM host_updates INDEXED BY host_updates_tenant_name
WHERE tenant = 'acme' AND name = 'pkg04' AND sec_rank >= 0`).Scan(&tenantRank); err != nil || tenantRank != 0 {
		t.Errorf("the tenant's index by name: rank %d (%v), want 0", tenantRank, err)
	}
}
