package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// TestHostsListFlagsClaims: a host judged iaas whose agent.yaml claims
// managed is flagged in the hosts list ("claims Managed") and is
// the only one the claim filter keeps.
func TestHostsListFlagsClaims(t *testing.T) {
	e := newEnv(t, 4, 1)
	now := *e.clock
	r := reportgen.NewHost(1414, 14, "acme", 0, -1).Next(now.Add(-time.Minute))
	r.Host.Hostname = "claims14.acme.example.net"
	r.Profile.Tier, r.Profile.MaintenanceAgreement = report.TierIaaS, false
	r.Findings, r.Summary = []report.Finding{}, report.Summary{}
	e.saveReport(r, now.Add(-time.Minute), report.Profile{Tier: report.TierManaged, MaintenanceAgreement: true})
	c := e.session(e.tok["viewerA"])
	_, page := e.get(c, "/hosts?claim=1")
	table := between(page, `id="hosts-table"`, "</table>")
	if !strings.Contains(table, "claims14.acme.example.net") || !strings.Contains(table, `data-claim="managed"`) ||
		!strings.Contains(table, "claims Managed") || strings.Count(table, `class="host"`) != 1 {
		t.Errorf("hosts?claim=1 does not show exactly the claiming host, flagged:\n%s", table)
	}
	if _, page = e.get(c, "/hosts"); strings.Count(page, "data-claim=") != 1 {
		t.Errorf("hosts list flags %d hosts, want 1", strings.Count(page, "data-claim="))
	}
}
