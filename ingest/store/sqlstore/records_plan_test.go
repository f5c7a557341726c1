package sqlstore

import (
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestRecordForPlan: the lookup made for every report is one statement
// whose three branches each search an index of host_records, never a scan
// of the table.
func TestRecordForPlan(t *testing.T) {
	db, _ := migratedSQLite(t)
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+recordForQuery, "h1", "acme", "acme", "m1", "h1", "acme", "acme", "web1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	searches := 0
	for _, d := range plan {
		if strings.HasPrefix(d, "SCAN host_records") {
			t.Errorf("table scan in %q", plan)
		}
		if strings.HasPrefix(d, "SEARCH host_records USING INDEX") {
			searches++
		}
	}
	if searches != 3 {
		t.Errorf("%d index searches, want 3: %q", searches, plan)
	}
}
