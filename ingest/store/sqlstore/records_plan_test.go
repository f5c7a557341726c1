package sqlstore

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestRecordForPlan: each of the lookups made for every report searches
// an index, never scans a table.
func TestRecordForPlan(t *testing.T) {
	db, _ := migratedSQLite(t)
	for i, q := range append(recordLookups[:], enrolledMachine) {
		t.Run(strconv.Itoa(i), func(t *testing.T) { searchesIndex(t, db, q) })
	}
}

func searchesIndex(t *testing.T, db *sql.DB, q string) {
	plan := queryPlan(t, db, q, "a", "b")
	searches := 0
	for _, d := range plan {
		if strings.HasPrefix(d, "SCAN") {
			t.Errorf("table scan in %q", plan)
		}
		if strings.HasPrefix(d, "SEARCH") && strings.Contains(d, "INDEX") {
			searches++
		}
	}
	if searches != 1 {
		t.Errorf("%d index searches, want 1: %q", searches, plan)
	}
}

// queryPlan is SQLite's EXPLAIN QUERY PLAN of q with args, one detail a
// step.
func queryPlan(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
