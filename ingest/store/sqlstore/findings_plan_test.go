package sqlstore

import (
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
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
// never a finding's row.
func TestResolvedPlans(t *testing.T) {
	db, _ := migratedSQLite(t)
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	within := map[report.Severity]time.Duration{report.SeverityCritical: 7 * 24 * time.Hour, report.SeverityHigh: 30 * 24 * time.Hour}
	for _, tc := range []struct {
		name   string
		sc     store.Scope
		tenant string
	}{
		{"admin", store.AllTenants(), ""},
		{"admin narrowed to a tenant", store.AllTenants(), "acme"},
		{"tenant", store.TenantScope("acme"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, args := resolvedInSQL(tc.sc, store.ResolvedQuery{Tenant: tc.tenant, Responsible: report.ResponsibleProvider,
				From: from, To: from.AddDate(0, 1, 0), Within: within})
			coveredBy(t, queryPlan(t, db, q, args...), "findings_resolved")
			fcond, fargs := scopeWhere(tc.sc, "f.tenant")
			if tc.tenant != "" {
				fcond += " AND f.tenant = ?"
				fargs = append(fargs, tc.tenant)
			}
			a := append([]any{micros(from)}, fargs...)
			a = append(a, micros(from), micros(from), "high", "provider")
			coveredBy(t, queryPlan(t, db, resolvedSinceSQL(fcond), a...), "findings_resolved")
		})
	}
}

// coveredBy fails unless plan searches index alone (a covering index) and
// reads no table.
func coveredBy(t *testing.T, plan []string, index string) {
	t.Helper()
	all := strings.Join(plan, "; ")
	if !strings.Contains(all, "USING COVERING INDEX "+index+" ") || strings.Contains(all, "SCAN f") {
		t.Errorf("plan %q, want a search of %s alone", plan, index)
	}
}
