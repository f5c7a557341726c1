package sqlstore

import (
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/storetest"
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
		in := storetest.Incoming(t, "acme", r)
		in.ReceivedAt = at
		var before, after int
		if err := db.QueryRow(`SELECT n FROM writes`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		if out, err := s.SaveBatch(t.Context(), []store.Incoming{in}); err != nil || !out[0].Latest {
			t.Fatalf("SaveBatch: %v %+v", err, out)
		}
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
