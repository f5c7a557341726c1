package sqlstore

import (
	"strings"
	"testing"

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
