package postgres_test

import (
	"database/sql"
	"testing"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/postgres"
	"github.com/demarc/demarc/ingest/store/postgres/pgtest"
	"github.com/demarc/demarc/ingest/store/storetest"
)

func TestConformance(t *testing.T) {
	pgtest.DSN(t) // skip early when PostgreSQL is not configured
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), pgtest.Schema(t), postgres.Options{})
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
func migratedRaw(t *testing.T) (store.Store, func(q string) error) {
	dsn := pgtest.Schema(t)
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
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
