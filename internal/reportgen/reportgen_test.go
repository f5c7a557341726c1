package reportgen_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/internal/reportgen"
)

var at = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

func TestReportsAreValid(t *testing.T) {
	f := reportgen.NewFleet(reportgen.Options{Seed: 3, Hosts: 30, Tenants: []string{"acme", "globex"}})
	seen := map[string]bool{}
	for _, h := range f.Hosts {
		for i := range 5 {
			r := h.Next(at.Add(time.Duration(i) * time.Hour))
			if err := ingest.Validate(r); err != nil {
				t.Fatalf("host %s report %d: %v", h.ID, i, err)
			}
			if len(r.Findings) != 40 {
				t.Errorf("%d findings, want 40", len(r.Findings))
			}
			if seen[r.ReportID] {
				t.Errorf("report id %s twice", r.ReportID)
			}
			seen[r.ReportID] = true
			if r.Profile.Tenant != h.Tenant || r.Host.HostID != h.ID {
				t.Errorf("report of %s/%s names %s/%s", h.Tenant, h.ID, r.Profile.Tenant, r.Host.HostID)
			}
		}
	}
}

func TestDeterministicAndDrifting(t *testing.T) {
	a := reportgen.NewHost(9, 1, "acme", 40, 1)
	b := reportgen.NewHost(9, 1, "acme", 40, 1)
	ra, rb := a.Next(at), b.Next(at)
	if !reflect.DeepEqual(ra, rb) {
		t.Fatal("the same seed gave different reports")
	}
	next := a.Next(at.Add(time.Hour))
	ids := func(fs []string) map[string]bool {
		m := map[string]bool{}
		for _, id := range fs {
			m[id] = true
		}
		return m
	}
	var before, after []string
	for _, f := range ra.Findings {
		before = append(before, f.ID)
	}
	for _, f := range next.Findings {
		after = append(after, f.ID)
	}
	bm, am := ids(before), ids(after)
	changed := 0
	for id := range am {
		if !bm[id] {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("drift 1 changed %d findings, want 1", changed)
	}
	still := reportgen.NewHost(9, 1, "acme", 40, -1)
	r1, r2 := still.Next(at), still.Next(at.Add(time.Hour))
	if !reflect.DeepEqual(r1.Findings, r2.Findings) {
		t.Error("no drift still changed findings")
	}
}

// TestWithUpdates: hosts given pending updates list between lo and hi
// valid packages that drift between reports, and draw the same findings
// as the same host without them.
func TestWithUpdates(t *testing.T) {
	changed := 0
	for seed := range uint64(20) {
		plain := reportgen.NewHost(seed, int(seed), "acme", 40, 0.5)
		h := reportgen.NewHost(seed, int(seed), "acme", 40, 0.5).WithUpdates(20, 120)
		var prev []string
		for i := range 4 {
			r, p := h.Next(at.Add(time.Duration(i)*time.Hour)), plain.Next(at.Add(time.Duration(i)*time.Hour))
			if err := ingest.Validate(r); err != nil {
				t.Fatalf("host %d report %d: %v", seed, i, err)
			}
			if p.Updates != nil {
				t.Fatal("a host without WithUpdates has an updates section")
			}
			if !reflect.DeepEqual(r.Findings, p.Findings) || r.ReportID != p.ReportID {
				t.Fatalf("host %d report %d: pending updates changed the findings or the report id", seed, i)
			}
			u := r.Updates
			if u == nil || len(u.Packages) < 20 || len(u.Packages) > 120 || u.Count != len(u.Packages) {
				t.Fatalf("host %d report %d: updates %+v", seed, i, u)
			}
			var cur []string
			for _, pk := range u.Packages {
				cur = append(cur, pk.Name+" "+pk.Candidate)
			}
			if prev != nil && !reflect.DeepEqual(prev, cur) {
				changed++
			}
			prev = cur
		}
	}
	if changed == 0 {
		t.Error("the pending lists never drift")
	}
}
