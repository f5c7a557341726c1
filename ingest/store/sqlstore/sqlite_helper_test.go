package sqlstore

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/storetest"
	"github.com/demarc/demarc/report"
)

// openSQLite opens a fresh SQLite database in the test's directory, one
// connection as the SQLite store uses it.
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, _ := openSQLiteAt(t, "")
	return db
}

// openSQLiteAt is openSQLite with more pragmas ("&_pragma=…"), also
// returning the database's path.
func openSQLiteAt(t *testing.T, pragmas string) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db, path
}

// migratedSQLite is a store over a fresh, migrated SQLite database.
func migratedSQLite(t *testing.T) (*sql.DB, *Store) {
	t.Helper()
	db := openSQLite(t)
	return db, migrated(t, db)
}

// walSQLite is a store over a fresh, migrated SQLite database in WAL mode
// that never checkpoints: every page a commit writes stays in the WAL file
// (at the path returned), for btreesWritten.
func walSQLite(t *testing.T) (*sql.DB, *Store, string) {
	t.Helper()
	db, path := openSQLiteAt(t, "&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)")
	return db, migrated(t, db), path
}

// migrated is a store over db (writer and reader), migrated.
func migrated(t *testing.T, db *sql.DB) *Store {
	t.Helper()
	s := New(db, db, Dialect{Name: "sqlite"})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// saveLatest stores r for tenant acme, received at at, and fails the test
// unless it became its host's state.
func saveLatest(t *testing.T, s *Store, r *report.Report, at time.Time) {
	t.Helper()
	in := storetest.Incoming(t, "acme", r)
	in.ReceivedAt = at
	if out, err := s.SaveBatch(t.Context(), []store.Incoming{in}); err != nil || !out[0].Latest {
		t.Fatalf("SaveBatch: %v %+v", err, out)
	}
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
