package sqlstore

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestHostUpdateIndexes: a report that leaves a host's hostname, weight and
// collector failures as they were writes the host's row and its
// hosts_scanned entry only; each key column it changes adds the indexes on
// it. SQLite rewrites the entry of every index on a column the UPDATE
// sets, changed or not: the single statement of before set them all and
// dirtied seven pages per report.
func TestHostUpdateIndexes(t *testing.T) {
	db, s := migratedSQLite(t)
	for _, tc := range []struct {
		changed int
		want    []string
	}{
		{0, []string{"hosts", "hosts_scanned"}},
		{1, []string{"hosts", "hosts_tenant_hostname", "hosts_hostname", "hosts_scanned", "hosts_failing"}},
		{2, []string{"hosts", "hosts_scanned", "hosts_provider_weight", "hosts_tenant_provider_weight"}},
		{4, []string{"hosts", "hosts_scanned", "hosts_failing"}},
		{hostKeysAll, []string{"hosts", "hosts_tenant_hostname", "hosts_hostname", "hosts_scanned", "hosts_failing",
			"hosts_provider_weight", "hosts_tenant_provider_weight"}},
	} {
		t.Run(fmt.Sprint(tc.changed), func(t *testing.T) {
			// The primary key's index finds the row (opened for writing,
			// written only when host_id changed, which it never does).
			got := slices.DeleteFunc(openedForWrite(t, db, s.q.updateHost[tc.changed]),
				func(n string) bool { return n == "sqlite_autoindex_hosts_1" })
			slices.Sort(got)
			slices.Sort(tc.want)
			if !slices.Equal(got, tc.want) {
				t.Errorf("writes %q, want %q", got, tc.want)
			}
		})
	}
}

// openedForWrite names the b-trees (table, indexes) q's program opens for
// writing, from SQLite's EXPLAIN and its schema's root pages.
func openedForWrite(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	roots := map[int64]string{}
	rows, err := db.QueryContext(t.Context(), `SELECT rootpage, name FROM sqlite_schema WHERE rootpage > 0`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var root int64
		var name string
		if err := rows.Scan(&root, &name); err != nil {
			t.Fatal(err)
		}
		roots[root] = name
	}
	rows.Close()
	args := make([]any, strings.Count(q, "?"))
	rows, err = db.QueryContext(t.Context(), "EXPLAIN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, vals := range scanAll(t, rows) {
		// addr, opcode, p1, p2, …
		if fmt.Sprint(vals[1]) != "OpenWrite" {
			continue
		}
		root, ok := vals[3].(int64)
		if !ok || roots[root] == "" {
			t.Fatalf("OpenWrite of root %v: not in the schema", vals[3])
		}
		out = append(out, roots[root])
	}
	return out
}
