package sqlstore

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/demarc/demarc/ingest/store"
)

// TestMigrate23 applies SQLite's migration 23 to a database at version 22
// holding reports and pending packages: every row survives with its
// rowid (reports) and columns, reports is keyed (report_id, host_id) with
// reports_report_id gone, the pending-package tables have no rowid, and
// the queries that used the dropped index and the key use the new key.
func TestMigrate23(t *testing.T) {
	db := openSQLite(t)
	s := New(db, db, Dialect{Name: "sqlite"})
	ctx := t.Context()
	if err := s.migrateTo(ctx, 22); err != nil {
		t.Fatal(err)
	}
	reports := []rawReport{
		{"r1", "acme", "hx", 10, 11, []byte{1}, gz(t, `{"n":1}`), 3, `{"a":1}`},
		{"r2", "acme", "hx", 20, 21, []byte{2}, nil, 0, `{}`}, // body pruned
		{"r1", "globex", "hy", 30, 31, []byte{3}, gz(t, `{"n":3}`), 5, `{"b":2}`},
	}
	for _, r := range reports {
		if _, err := db.ExecContext(ctx, `INSERT INTO reports (report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.id, r.tenant, r.host, r.scanned, r.received, r.sha, r.body, r.findings, r.summary); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO host_updates (host_id, name, arch, tenant, installed, candidate, sec_rank, origin, first_seen, severity, advisories, cves)
VALUES ('hx', 'openssl', 'amd64', 'acme', '3.0.1', '3.0.2', 0, 'security', 7, 'high', 'DSA-1', 'CVE-2024-1'),
       ('hx', 'curl', 'amd64', 'acme', '7.1', '7.2', 1, 'updates', 8, '', '', ''),
       ('hy', 'openssl', 'arm64', 'globex', '3.0.0', '3.0.2', 0, 'security', 9, 'critical', 'DSA-1 DSA-2', '')`,
		`INSERT INTO host_update_refs (host_id, name, arch, ref, tenant)
VALUES ('hx', 'openssl', 'amd64', 'DSA-1', 'acme'), ('hx', 'openssl', 'amd64', 'CVE-2024-1', 'acme'),
       ('hy', 'openssl', 'arm64', 'DSA-1', 'globex'), ('hy', 'openssl', 'arm64', 'DSA-2', 'globex')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const (
		reportRows  = `SELECT rowid, report_id, tenant, host_id, scanned_at, received_at, hex(sha256), hex(body), findings, summary FROM reports ORDER BY rowid`
		updateRows  = `SELECT host_id, name, arch, tenant, installed, candidate, sec_rank, origin, first_seen, severity, advisories, cves FROM host_updates ORDER BY host_id, name, arch`
		refRows     = `SELECT host_id, name, arch, ref, tenant FROM host_update_refs ORDER BY host_id, name, arch, ref`
		reportIndex = `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reports' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	)
	before := map[string][]string{}
	for _, q := range []string{reportRows, updateRows, refRows} {
		before[q] = dump(t, db, q)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{reportRows, updateRows, refRows} {
		if got := dump(t, db, q); !slices.Equal(got, before[q]) {
			t.Errorf("%s after migration 23:\n%v\nwant\n%v", q, got, before[q])
		}
	}
	if got, want := dump(t, db, reportIndex), []string{"reports_host_received", "reports_received"}; !slices.Equal(got, want) {
		t.Errorf("indexes of reports: %v, want %v", got, want)
	}
	for _, table := range []string{"host_updates", "host_update_refs"} {
		if _, err := db.ExecContext(ctx, `SELECT rowid FROM `+table); err == nil {
			t.Errorf("%s still has a rowid", table)
		}
	}

	// The key: the same report id for another host goes in, the same
	// pair again does not, and the store's insert names the pair as its
	// conflict target in the other order.
	insert := `INSERT INTO reports (report_id, tenant, host_id, scanned_at, received_at, sha256, body, findings, summary)
VALUES ('r2', 'globex', 'hy', 1, 2, x'09', NULL, 0, '{}')`
	if _, err := db.ExecContext(ctx, insert); err != nil {
		t.Errorf("same report id for another host: %v", err)
	}
	if _, err := db.ExecContext(ctx, insert); err == nil {
		t.Error("the same host and report id stored twice")
	}
	res, err := db.ExecContext(ctx, s.q.insertReport, "r1", "acme", "hx", 1, 2, []byte{9}, nil, 0, `{}`)
	if err != nil {
		t.Fatalf("insertReport after migration 23: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 0 {
		t.Errorf("insertReport of a stored (host, report id) wrote %d rows", n)
	}

	// Reads by report id alone (the dropped index's query) and by host and
	// id both search the key; a host's pending list is a range of its key.
	for _, c := range []struct{ q, want string }{
		{`SELECT body FROM reports WHERE report_id = ? AND body IS NOT NULL ORDER BY received_at DESC, host_id DESC LIMIT 1`, "USING INDEX sqlite_autoindex_reports_1 (report_id=?)"},
		{s.q.reportByID, "USING INDEX sqlite_autoindex_reports_1 (report_id=? AND host_id=?)"},
		{`SELECT name, arch, candidate FROM host_updates WHERE host_id = ?`, "USING PRIMARY KEY (host_id=?)"},
	} {
		plan := strings.Join(dump(t, db, "EXPLAIN QUERY PLAN "+c.q, "x", "x"), "; ")
		if !strings.Contains(plan, c.want) {
			t.Errorf("plan of %s: %s, want %q", c.q, plan, c.want)
		}
	}
	if b, err := s.ReportBody(ctx, store.TenantScope("globex"), "r1"); err != nil || string(b) != `{"n":3}` {
		t.Errorf("ReportBody after migration 23: %q %v", b, err)
	}
	if b, err := s.HostReportBody(ctx, store.TenantScope("acme"), "hx", "r1"); err != nil || string(b) != `{"n":1}` {
		t.Errorf("HostReportBody after migration 23: %q %v", b, err)
	}
}

// dump is every row of q, each as its columns joined by "|".
func dump(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for _, vals := range scanAll(t, rows) {
		parts := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// scanAll reads every row of rows, whatever its columns, and closes it.
func scanAll(t *testing.T, rows *sql.Rows) [][]any {
	t.Helper()
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
