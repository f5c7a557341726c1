package ingest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

type tenantReport struct {
	Tenant     string          `json:"tenant"`
	YoursToFix []store.Finding `json:"yours_to_fix"`
	Provider   []store.Finding `json:"provider"`
}

// TestTenantReport: a viewer's report holds its own hosts' open findings,
// the customer's first, and nothing of another tenant whatever it asks.
func TestTenantReport(t *testing.T) {
	e := newEnv(t, nil)
	exportFleet(t, e)
	list := func(tok, q string) map[string]bool {
		var p store.FindingPage
		e.get(e.tok[tok], "/api/v1/findings?limit=500&"+q, &p)
		out := map[string]bool{}
		for _, f := range p.Findings {
			out[f.HostID+"/"+f.ID] = true
		}
		return out
	}
	keys := func(fs []store.Finding, tenant string) map[string]bool {
		out := map[string]bool{}
		for _, f := range fs {
			if f.Tenant != tenant {
				t.Errorf("a finding of %s in %s's report: %+v", f.Tenant, tenant, f)
			}
			out[f.HostID+"/"+f.ID] = true
		}
		return out
	}
	same := func(what string, a, b map[string]bool) {
		t.Helper()
		if len(a) != len(b) || len(a) == 0 {
			t.Errorf("%s: %d findings, the list has %d", what, len(a), len(b))
		}
		for k := range a {
			if !b[k] {
				t.Errorf("%s: %s not in the list", what, k)
			}
		}
	}
	for _, c := range []struct{ tok, q, tenant string }{
		{"viewerA", "", "acme"},
		{"viewerA", "&tenant=globex", "acme"}, // forged: the scope wins, nothing of globex
		{"viewerB", "", "globex"},
		{"admin", "&tenant=globex", "globex"},
	} {
		st, hdr, body := e.raw(e.tok[c.tok], "/api/v1/report?format=json"+c.q)
		if st != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s: %d %s", c.tok, c.q, st, hdr.Get("Content-Type"))
		}
		var rep tenantReport
		if err := json.Unmarshal(body, &rep); err != nil {
			t.Fatalf("%s: %v: %.200s", c.tok, err, body)
		}
		forged := c.tok != "admin" && strings.Contains(c.q, "tenant=") && !strings.Contains(c.q, c.tenant)
		if forged {
			if len(rep.YoursToFix)+len(rep.Provider) != 0 {
				t.Errorf("%s asking for another tenant got %d findings", c.tok, len(rep.YoursToFix)+len(rep.Provider))
			}
			continue
		}
		ltok := c.tok
		same(c.tok+" yours", keys(rep.YoursToFix, c.tenant), list(ltok, "responsible=customer&tenant="+c.tenant))
		same(c.tok+" provider", keys(rep.Provider, c.tenant), list(ltok, "responsible=provider&tenant="+c.tenant))
		for _, f := range rep.YoursToFix {
			if f.Responsible != report.ResponsibleCustomer {
				t.Errorf("yours to fix holds a %s finding", f.Responsible)
			}
		}
		for _, f := range rep.Provider {
			if f.SLAState == "" {
				t.Errorf("provider item without an SLA state: %+v", f)
			}
		}
	}
	st, _, md := e.raw(e.tok["viewerA"], "/api/v1/report?format=md")
	s := string(md)
	yours, theirs := strings.Index(s, "\n## Yours to fix\n"), strings.Index(s, "\n## The provider's open items\n")
	if st != http.StatusOK || yours < 0 || theirs < yours || !strings.Contains(s, "tenant acme") {
		t.Errorf("markdown: %d, sections at %d and %d: %.300s", st, yours, theirs, s)
	}
	if st, _, _ := e.raw(e.tok["viewerA"], "/api/v1/report?format=pdf"); st != http.StatusBadRequest {
		t.Errorf("format=pdf: %d", st)
	}
}
