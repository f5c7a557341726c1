package sqlstore

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// openSQLite opens a fresh SQLite database in the test's directory, one
// connection as the SQLite store uses it.
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "s.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// migratedSQLite is a store over a fresh, migrated SQLite database.
func migratedSQLite(t *testing.T) (*sql.DB, *Store) {
	t.Helper()
	db := openSQLite(t)
	s := New(db, db, Dialect{Name: "sqlite"})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db, s
}
