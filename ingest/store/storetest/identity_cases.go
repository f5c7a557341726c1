package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/reportgen"
)

// testReportIDPerHost: report ids are unique per host, not across hosts.
func testReportIDPerHost(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newHost(1500, "acme"), newHost(1501, "acme")
	ra, rb := a.Next(t0), b.Next(t0)
	rb.ReportID = ra.ReportID
	ia, ib := Incoming(t, "acme", ra), Incoming(t, "acme", rb)
	ia.ReceivedAt, ib.ReceivedAt = t0, t0.Add(time.Minute)
	save(t, s, []store.Result{store.Created, store.Created}, ib, ia)
	for _, in := range []store.Incoming{ia, ib} {
		body, err := s.HostReportBody(ctx, store.TenantScope("acme"), in.Report.Host.HostID, in.Report.ReportID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytesEqualJSON(t, body, in) {
			t.Errorf("HostReportBody(%s): another report's body", in.Report.Host.HostID)
		}
		if got := mustHost(t, s, store.AllTenants(), in.Report.Host.HostID); got.LatestReportID != ra.ReportID {
			t.Errorf("host %s latest %s", got.HostID, got.LatestReportID)
		}
	}
	body, err := s.ReportBody(ctx, store.TenantScope("acme"), ra.ReportID)
	if err != nil || !bytesEqualJSON(t, body, ib) {
		t.Errorf("ReportBody: not the body received last (err %v)", err)
	}
	if _, err := s.HostReportBody(ctx, store.TenantScope("globex"), a.ID, ra.ReportID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("HostReportBody out of scope: err %v", err)
	}
	if _, err := s.HostReportBody(ctx, store.AllTenants(), "nope", ra.ReportID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("HostReportBody of another host: err %v", err)
	}
	save(t, s, []store.Result{store.Duplicate, store.Duplicate}, ia, ib)
	changed := *rb
	changed.DurationMS++
	save(t, s, []store.Result{store.Conflict}, Incoming(t, "acme", &changed))
	// Pruning keeps each host's latest report, though they share an id.
	later := Incoming(t, "acme", a.Next(t0.Add(time.Hour)))
	later.ReceivedAt = t0.Add(time.Hour)
	save(t, s, []store.Result{store.Created}, later)
	if _, err := s.Prune(ctx, t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HostReportBody(ctx, store.AllTenants(), a.ID, ra.ReportID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("host a's old report kept: %v", err)
	}
	if _, err := s.HostReportBody(ctx, store.AllTenants(), b.ID, rb.ReportID); err != nil {
		t.Errorf("host b's latest report pruned: %v", err)
	}
}

// testHostEnrollment: Host and Hosts carry the identity of enrolled hosts
// (nil for the others), and hosts sharing a non-empty machine id, in any
// tenants, are both flagged.
func testHostEnrollment(t *testing.T, s store.Store) {
	ctx := t.Context()
	const clone = "0123456789abcdef0123456789abcdef"
	a, b := enrolled(t, s, 1600, "acme", clone), enrolled(t, s, 1601, "globex", clone)
	c := enrolled(t, s, 1602, "acme", "fedcba9876543210fedcba9876543210")
	d, e := enrolled(t, s, 1603, "acme", ""), enrolled(t, s, 1604, "acme", "")
	never := newHost(1605, "acme")
	var ins []store.Incoming
	for _, h := range []*reportgen.Host{a, b, c, d, e} {
		ins = append(ins, posted(t, h, "key-"+h.ID, t0))
	}
	ins = append(ins, Incoming(t, "acme", never.Next(t0)))
	save(t, s, nil, ins...)
	flagged := map[string]bool{a.ID: true, b.ID: true, c.ID: false, d.ID: false, e.ID: false}
	for id, want := range flagged {
		got, err := s.HostIdentity(ctx, store.AllTenants(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got.DuplicateMachineID != want {
			t.Errorf("identity %s (machine id %q): duplicate %v, want %v", id, got.MachineID, got.DuplicateMachineID, want)
		}
		h := mustHost(t, s, store.AllTenants(), id)
		if h.Enrollment == nil || h.Enrollment.HostID != id || h.Enrollment.DuplicateMachineID != want ||
			h.Enrollment.KeyLastUsedAt == nil || !h.Enrollment.KeyLastUsedAt.Equal(t0) {
			t.Errorf("Host(%s).Enrollment = %+v", id, h.Enrollment)
		}
	}
	if h := mustHost(t, s, store.TenantScope("acme"), never.ID); h.Enrollment != nil {
		t.Errorf("never-enrolled host has enrollment %+v", h.Enrollment)
	}
	hosts := allHosts(t, s, store.AllTenants(), store.HostFilter{}, 2)
	if len(hosts) != 6 {
		t.Fatalf("%d hosts, want 6", len(hosts))
	}
	for _, h := range hosts {
		want, isEnrolled := flagged[h.HostID]
		switch {
		case !isEnrolled && h.Enrollment != nil:
			t.Errorf("Hosts: never-enrolled %s has enrollment %+v", h.HostID, h.Enrollment)
		case isEnrolled && (h.Enrollment == nil || h.Enrollment.DuplicateMachineID != want):
			t.Errorf("Hosts: %s enrollment %+v, duplicate want %v", h.HostID, h.Enrollment, want)
		}
	}
	// A tenant sees its own hosts flagged (the other copy is elsewhere).
	for _, h := range allHosts(t, s, store.TenantScope("acme"), store.HostFilter{}, 10) {
		if h.HostID == a.ID && (h.Enrollment == nil || !h.Enrollment.DuplicateMachineID) {
			t.Errorf("tenant view of %s: %+v", h.HostID, h.Enrollment)
		}
	}
}
