package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/ingest/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "demarc.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// migratedRaw opens a migrated store and a raw connection to its
// database, for the backfill tests: exec runs SQL beside the store.
func migratedRaw(t testing.TB) (store.Store, func(q string) error) {
	path := filepath.Join(t.TempDir(), "demarc.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, func(q string) error {
		_, err := db.ExecContext(t.Context(), q)
		return err
	}
}

func TestUsageBackfill(t *testing.T) {
	s, exec := migratedRaw(t)
	storetest.UsageBackfill(t, s, exec)
}

func TestFleetBackfill(t *testing.T) {
	s, exec := migratedRaw(t)
	storetest.FleetBackfill(t, s, exec)
}
