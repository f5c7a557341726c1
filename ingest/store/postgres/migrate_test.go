package postgres_test

import (
	"database/sql"
	"io/fs"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/demarc/demarc/ingest/store/postgres"
	"github.com/demarc/demarc/ingest/store/postgres/pgtest"
	"github.com/demarc/demarc/ingest/store/sqlstore"
)

// TestReplicasMigrateAtOnce starts four replicas (four separate stores,
// each with its own pool) on an empty schema at the same moment: every
// Migrate succeeds and each migration is applied once. Before the advisory
// lock was taken ahead of CREATE TABLE schema_migrations, two of them
// creating the table together failed on PostgreSQL's catalog (a duplicate
// pg_type row). Several rounds, because the race is a race.
func TestReplicasMigrateAtOnce(t *testing.T) {
	pgtest.DSN(t)
	files, err := fs.Glob(sqlstore.Migrations(), "migrations/postgres/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	for round := range 8 {
		dsn := pgtest.Schema(t)
		const replicas = 4
		stores := make([]*sqlstore.Store, replicas)
		for i := range stores {
			s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			stores[i] = s
		}
		start := make(chan struct{})
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Go(func() {
				<-start
				errs[i] = s.Migrate(t.Context())
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: replica %d: Migrate: %v", round, i, err)
			}
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n, distinct int
		err = db.QueryRowContext(t.Context(), `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct)
		db.Close()
		if err != nil {
			t.Fatalf("round %d: read schema_migrations: %v", round, err)
		}
		if n != len(files) || distinct != len(files) {
			t.Errorf("round %d: %d migrations recorded (%d distinct), want %d once each", round, n, distinct, len(files))
		}
	}
}
