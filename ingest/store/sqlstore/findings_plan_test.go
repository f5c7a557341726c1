package sqlstore

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/postgres/pgtest"
	"github.com/demarc/demarc/report"
)

// TestFindingListPlans: the lists of open findings by opening (the
// default order, of the fleet and of a tenant) read one severity's range
// of findings_open_sev / findings_open_tenant_sev, and the oldest provider
// finding too: never a scan of findings, never a sort of them (migration
// 22 dropped the indexes by opening alone).
func TestFindingListPlans(t *testing.T) {
	db, _ := migratedSQLite(t)
	for _, tc := range []struct {
		name  string
		sc    store.Scope
		f     store.FindingFilter
		index string
	}{
		{"admin", store.AllTenants(), store.FindingFilter{}, "findings_open_sev"},
		{"tenant", store.TenantScope("acme"), store.FindingFilter{}, "findings_open_tenant_sev"},
		{"admin narrowed to a tenant", store.AllTenants(), store.FindingFilter{Tenant: "acme"}, "findings_open_tenant_sev"},
		{"provider's", store.AllTenants(), store.FindingFilter{Responsible: report.ResponsibleProvider}, "findings_open_sev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			order := findingSorts[""]
			if !perSeverity(tc.f, order) {
				t.Fatal("not read per severity")
			}
			g := tc.f
			g.Severity = report.SeverityHigh
			w, err := findingWhere(tc.sc, g)
			if err != nil {
				t.Fatal(err)
			}
			cond, args, err := order.after(encodeCursor(int64(5), "h", "f"))
			if err != nil {
				t.Fatal(err)
			}
			w.add(cond, args...)
			q := findingSelect + w.sql() + order.orderBy() + " LIMIT 51"
			plan := queryPlan(t, db, q, w.args...)
			all := strings.Join(plan, "; ")
			if !strings.Contains(all, "USING INDEX "+tc.index+" ") || strings.Contains(all, "SCAN f") || strings.Contains(all, "TEMP B-TREE") {
				t.Errorf("plan %q, want a search of %s in order", plan, tc.index)
			}
		})
	}
}

// TestResolvedPlans: the SLA report's count of a span's resolutions, and
// OpenOlder's count of those resolved since a past instant, read
// findings_resolved alone, of the fleet and of a tenant (migration 24):
// never a finding's row. On PostgreSQL, with the other plans switched off
// (an empty table would be scanned), the index serves them index-only.
func TestResolvedPlans(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	within := map[report.Severity]time.Duration{report.SeverityCritical: 7 * 24 * time.Hour, report.SeverityHigh: 30 * 24 * time.Hour}
	type query struct {
		q    string
		args []any
	}
	queries := func(sc store.Scope, tenant string) []query {
		q, args := resolvedInSQL(sc, store.ResolvedQuery{Tenant: tenant, Responsible: report.ResponsibleProvider,
			From: from, To: from.AddDate(0, 1, 0), Within: within})
		fcond, fargs := tenantCond(sc, tenant, "f.tenant")
		since, sargs := resolvedSinceSQL(fcond, fargs, micros(from), micros(from), report.SeverityHigh, report.ResponsibleProvider)
		return []query{{q, args}, {since, sargs}}
	}
	scopes := []struct {
		name   string
		sc     store.Scope
		tenant string
	}{
		{"admin", store.AllTenants(), ""},
		{"admin narrowed to a tenant", store.AllTenants(), "acme"},
		{"tenant", store.TenantScope("acme"), ""},
	}
	t.Run("sqlite", func(t *testing.T) {
		db, _ := migratedSQLite(t)
		for _, sc := range scopes {
			for _, q := range queries(sc.sc, sc.tenant) {
				coveredBy(t, queryPlan(t, db, q.q, q.args...), "USING COVERING INDEX findings_resolved ", "SCAN f")
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := sql.Open("pgx", pgtest.Schema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s := New(db, db, Dialect{Name: "postgres", Dollar: true, ForUpdate: " FOR UPDATE"})
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		conn, err := db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, set := range []string{"SET enable_seqscan = off", "SET enable_bitmapscan = off"} {
			if _, err := conn.ExecContext(t.Context(), set); err != nil {
				t.Fatal(err)
			}
		}
		for _, sc := range scopes {
			for _, q := range queries(sc.sc, sc.tenant) {
				rows, err := conn.QueryContext(t.Context(), "EXPLAIN "+s.rebind(q.q), q.args...)
				if err != nil {
					t.Fatal(err)
				}
				var plan []string
				for _, line := range scanAll(t, rows) {
					plan = append(plan, fmt.Sprint(line[0]))
				}
				coveredBy(t, plan, "Index Only Scan using findings_resolved ", "Seq Scan")
			}
		}
	})
}

// coveredBy fails unless plan reads the index alone (want: the plan's
// words for that) and never scans the table (scan).
func coveredBy(t *testing.T, plan []string, want, scan string) {
	t.Helper()
	all := strings.Join(plan, "; ")
	if !strings.Contains(all, want) || strings.Contains(all, scan) {
		t.Errorf("plan %q, want %q alone", plan, want)
	}
}
