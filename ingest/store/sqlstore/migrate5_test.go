package sqlstore

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"fmt"
	"slices"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/postgres/pgtest"
)

// TestMigrate5 applies migration 5 to a database at version 4 holding
// reports: every row and column survives (SQLite rebuilds the table), the
// indexes are there again, and the same report id then goes to another
// host.
func TestMigrate5(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db := openSQLite(t)
		testMigrate5(t, New(db, db, Dialect{Name: "sqlite"}),
			`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reports' AND name NOT LIKE 'sqlite_%'`)
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := sql.Open("pgx", pgtest.Schema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		testMigrate5(t, New(db, db, Dialect{Name: "postgres", Dollar: true, ForUpdate: " FOR UPDATE"}),
			`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'reports' AND indexname <> 'reports_pkey'`)
	})
}

type rawReport struct {
	id, tenant, host  string
	scanned, received int64
	sha, body         []byte
	findings          int64
	summary           string
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testMigrate5(t *testing.T, s *Store, indexes string) {
	ctx := t.Context()
	if err := s.migrateTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	rows := []rawReport{
		{"r1", "acme", "hx", 10, 11, []byte{1}, gz(t, `{"n":1}`), 3, `{"a":1}`},
		{"r2", "acme", "hx", 20, 21, []byte{2}, nil, 0, `{}`}, // body pruned
		{"r3", "globex", "hy", 30, 31, []byte{3}, gz(t, `{"n":3}`), 5, `{"b":2}`},
	}
	for _, r := range rows {
		_, err := s.w.ExecContext(ctx, s.rebind(`INSERT INTO reports (report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), r.id, r.tenant, r.host, r.scanned, r.received, r.sha, r.body, r.findings, r.summary)
		if err != nil {
			t.Fatal(err)
		}
	}
	before := indexNames(t, s, indexes)
	if !slices.Contains(before, "reports_received") || !slices.Contains(before, "reports_host_received") {
		t.Fatalf("indexes at version 4: %v", before)
	}
	if err := s.migrateTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	var got []rawReport
	err := s.each(ctx, `SELECT report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary FROM reports ORDER BY report_id`, nil,
		func(r *sql.Rows) error {
			var x rawReport
			err := r.Scan(&x.id, &x.tenant, &x.host, &x.scanned, &x.received, &x.sha, &x.body, &x.findings, &x.summary)
			got = append(got, x)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(rows) {
		t.Errorf("reports after migration 5:\n%v\nwant\n%v", got, rows)
	}
	after := indexNames(t, s, indexes)
	for _, ix := range before {
		if !slices.Contains(after, ix) {
			t.Errorf("index %s lost (indexes now %v)", ix, after)
		}
	}
	if !slices.Contains(after, "reports_report_id") {
		t.Errorf("no reports_report_id index: %v", after)
	}
	if b, err := s.HostReportBody(ctx, store.TenantScope("globex"), "hy", "r3"); err != nil || string(b) != `{"n":3}` {
		t.Errorf("HostReportBody after migration: %q %v", b, err)
	}
	// The primary key is (host_id, report_id) now.
	_, err = s.w.ExecContext(ctx, s.rebind(`INSERT INTO reports (report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), "r1", "acme", "hz", 1, 2, []byte{9}, nil, 0, `{}`)
	if err != nil {
		t.Errorf("same report id for another host: %v", err)
	}
	if _, err = s.w.ExecContext(ctx, s.rebind(`INSERT INTO reports (report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), "r1", "acme", "hz", 1, 2, []byte{9}, nil, 0, `{}`); err == nil {
		t.Error("the same host and report id stored twice")
	}
}

func indexNames(t *testing.T, s *Store, q string) []string {
	var out []string
	err := s.each(t.Context(), q, nil, func(r *sql.Rows) error {
		var n string
		err := r.Scan(&n)
		out = append(out, n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
