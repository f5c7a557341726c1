package web_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
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
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(body)
	zw.Close()
	in := store.Incoming{Tenant: "acme", Report: r, Gzip: buf.Bytes(), SHA256: sha256.Sum256(body), ReceivedAt: now.Add(-time.Minute),
		Claimed: report.Profile{Tier: report.TierManaged, MaintenanceAgreement: true}}
	if out, err := e.st.SaveBatch(t.Context(), []store.Incoming{in}); err != nil || out[0].Result != store.Created {
		t.Fatalf("save: %v %+v", err, out)
	}
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
