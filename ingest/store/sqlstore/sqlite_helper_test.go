package sqlstore

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
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

// walSQLite is a store over a fresh, migrated SQLite database in WAL mode
// that never checkpoints: every page a commit writes stays in the WAL file
// (at the path returned), for btreesWritten.
func walSQLite(t *testing.T) (*sql.DB, *Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	s := New(db, db, Dialect{Name: "sqlite"})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db, s, path
}

// btreesWritten counts, by table or index name, the WAL frames that fn's
// commits append to the database at path (opened by walSQLite): each
// frame's page number (SQLite's WAL format: a 32-byte header, then
// frames of a 24-byte header and a page) matched to its B-tree with
// SQLite's dbstat table. Pages on the freelist count as "".
func btreesWritten(t *testing.T, db *sql.DB, path string, fn func()) map[string]int {
	t.Helper()
	wal := path + "-wal"
	before, err := os.Stat(wal)
	if err != nil {
		t.Fatal(err)
	}
	fn()
	b, err := os.ReadFile(wal)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 32 {
		t.Fatalf("WAL of %d bytes", len(b))
	}
	pageSize := int64(binary.BigEndian.Uint32(b[8:12]))
	start := before.Size()
	if start < 32 {
		start = 32
	}
	owner := map[int64]string{}
	rows, err := db.QueryContext(t.Context(), `SELECT name, pageno FROM dbstat`)
	if err != nil {
		t.Fatal(err)
	}
	for _, vals := range scanAll(t, rows) {
		owner[vals[1].(int64)] = fmt.Sprint(vals[0])
	}
	out := map[string]int{}
	for off := start; off+24+pageSize <= int64(len(b)); off += 24 + pageSize {
		out[owner[int64(binary.BigEndian.Uint32(b[off:off+4]))]]++
	}
	return out
}
