package ingest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// centos7 is a report of a CentOS 7 host (end of life since 2024) that
// claims what its agent.yaml says: managed with a maintenance agreement.
// Its own findings are forged: one critical finding that does not exist,
// and nothing about the OS.
func centos7(seed uint64) *report.Report {
	r := host(seed, "acme").Next(t0)
	r.Host.OS = report.OS{ID: "centos", VersionID: "7", Name: "CentOS Linux", PrettyName: "CentOS Linux 7 (Core)", Family: "rhel"}
	var cs []report.Component
	for _, c := range r.Components {
		if c.Layer != report.LayerOperatingSystem {
			cs = append(cs, c)
		}
	}
	r.Components = append(cs, report.Component{Layer: report.LayerOperatingSystem, Product: "centos", Version: "7"})
	r.Profile = report.Profile{Provider: "Example Hosting", Tier: report.TierManaged, MaintenanceAgreement: true}
	r.Findings = []report.Finding{{ID: "forged", Kind: report.KindEOL, Layer: report.LayerApplications, Product: "nothing",
		Severity: report.SeverityCritical, Responsible: report.ResponsibleProvider}}
	r.Summary = report.Summarize(r.Findings)
	return r
}

// osFinding is the host's open OS end-of-life finding.
func osFinding(t *testing.T, e *env, hostID string) (store.Finding, bool) {
	t.Helper()
	var fl struct{ Findings []store.Finding }
	if st := e.get(e.tok["admin"], "/api/v1/hosts/"+hostID+"/findings?limit=500", &fl); st != http.StatusOK {
		t.Fatalf("findings: %d", st)
	}
	for _, f := range fl.Findings {
		if f.ID == "forged" {
			t.Errorf("the report's forged finding was stored")
		}
		if f.Layer == report.LayerOperatingSystem && f.Kind == report.KindEOL {
			return f, true
		}
	}
	return store.Finding{}, false
}

// TestRecordDecidesWhoseGapItIs: a host whose agent.yaml claims managed
// while the provider's record says iaas: the OS findings are the
// customer's; the report's own (forged) findings are not believed; the
// claim is kept in the stored body.
func TestRecordDecidesWhoseGapItIs(t *testing.T) {
	iaas := func(_ context.Context, tenant, hostID, _, _ string) (ingest.HostProfile, bool, error) {
		return ingest.HostProfile{Tier: report.TierIaaS}, tenant == "acme", nil
	}
	e := newEnv(t, func(c *ingestConfig) { c.Records = iaas })
	r := centos7(60)
	if st, body := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
		t.Fatalf("post: %d %v", st, body)
	}
	f, ok := osFinding(t, e, r.Host.HostID)
	if !ok || f.Responsible != report.ResponsibleCustomer {
		t.Fatalf("OS end of life: found %v, responsible %q; want the customer's under the record's iaas", ok, f.Responsible)
	}
	var d struct{ Host store.Host }
	e.get(e.tok["admin"], "/api/v1/hosts/"+r.Host.HostID, &d)
	if d.Host.Tier != report.TierIaaS || d.Host.MaintenanceAgreement {
		t.Errorf("host tier %q agreement %v, want the record's iaas without agreement", d.Host.Tier, d.Host.MaintenanceAgreement)
	}
	var body report.Report
	if st := e.get(e.tok["admin"], "/api/v1/reports/"+r.ReportID, &body); st != http.StatusOK || body.Profile.Tier != report.TierManaged || len(body.Findings) != 1 {
		t.Errorf("stored body: %d, claim %q with %d findings; want the host's claim kept verbatim", st, body.Profile.Tier, len(body.Findings))
	}
	if c := d.Host.Claimed; c == nil || c.Tier != report.TierManaged || !c.MaintenanceAgreement || !d.Host.ClaimDisagrees {
		t.Errorf("host's claim %+v, disagrees %v; want managed with agreement, flagged", c, d.Host.ClaimDisagrees)
	}
	// The hosts list finds the disagreement; a host of globex (no record:
	// judged on its claim) does not disagree.
	g := host(61, "globex").Next(t0)
	if st, body := e.post(e.tok["agentB"], g); st != http.StatusAccepted {
		t.Fatalf("post globex: %d %v", st, body)
	}
	var l struct{ Hosts []store.Host }
	if st := e.get(e.tok["admin"], "/api/v1/hosts?claim_disagrees=true", &l); st != http.StatusOK || len(l.Hosts) != 1 || l.Hosts[0].HostID != r.Host.HostID {
		t.Errorf("claim_disagrees=true: %d %+v; want only %s", st, l.Hosts, r.Host.HostID)
	}
	if st := e.get(e.tok["admin"], "/api/v1/hosts?claim_disagrees=maybe", &l); st != http.StatusBadRequest {
		t.Errorf("claim_disagrees=maybe: %d, want 400", st)
	}
}

// TestUnrecordedPolicies: without a record, trust_claim believes the
// claimed tier, default_tier judges on the configured tier, quarantine
// keeps no findings.
func TestUnrecordedPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy ingest.Policy
		tier   report.Tier
		want   report.Responsible // "" : no OS finding at all
	}{
		{ingest.TrustClaim, "", report.ResponsibleProvider},
		{ingest.DefaultTier, report.TierColocation, report.ResponsibleCustomer},
		{ingest.Quarantine, "", ""},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			e := newEnv(t, func(c *ingestConfig) { c.Unrecorded, c.DefaultTier = tc.policy, tc.tier })
			r := centos7(61)
			if st, body := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
				t.Fatalf("post: %d %v", st, body)
			}
			f, ok := osFinding(t, e, r.Host.HostID)
			if (tc.want == "") == ok || (ok && f.Responsible != tc.want) {
				t.Errorf("OS end of life: found %v, responsible %q; want %q", ok, f.Responsible, tc.want)
			}
		})
	}
	// A host that had findings and loses its record is not thereby fixed.
	records := map[string]bool{}
	lookup := func(_ context.Context, _, hostID, _, _ string) (ingest.HostProfile, bool, error) {
		return ingest.HostProfile{Tier: report.TierManaged}, records[hostID], nil
	}
	e := newEnv(t, func(c *ingestConfig) { c.Unrecorded, c.Records = ingest.Quarantine, lookup })
	r := centos7(62)
	records[r.Host.HostID] = true
	if st, _ := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
		t.Fatal(st)
	}
	if _, ok := osFinding(t, e, r.Host.HostID); !ok {
		t.Fatal("no OS finding while the record exists")
	}
	delete(records, r.Host.HostID)
	later := centos7(62)
	later.ReportID, later.ScannedAt = later.ReportID+"-2", t0.Add(time.Hour)
	if st, _ := e.post(e.tok["agentA"], later); st != http.StatusAccepted {
		t.Fatal(st)
	}
	if f, ok := osFinding(t, e, r.Host.HostID); !ok || f.UnverifiedSince == nil {
		t.Errorf("after the record went: OS finding open %v, unverified %v; want open and unverified", ok, f.UnverifiedSince)
	}
	if _, err := ingest.New(ingest.Config{Store: newEnv(t, nil).st, Unrecorded: "believe_everything"}); err == nil {
		t.Error("an unknown policy was accepted")
	}
}
