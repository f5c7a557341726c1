package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// testCountHosts checks CountHosts against the hosts Hosts lists, for
// several filters and scopes.
func testCountHosts(t *testing.T, s store.Store) {
	twoTenants(t, s)
	for i := range 20 {
		save(t, s, nil, Incoming(t, "acme", newHost(uint64(1000+i), "acme").Next(t0)))
	}
	filters := []store.HostFilter{
		{}, {Tier: report.TierManaged}, {OS: "ubuntu"}, {OS: "centos:7"}, {Search: "web"},
		{Responsible: report.ResponsibleProvider, Severity: report.SeverityCritical}, {Tenant: "globex"},
		{FailingCollectors: true}, {Tier: report.TierIaaS, OS: "ubuntu", FailingCollectors: true},
	}
	for _, sc := range []store.Scope{store.TenantScope("acme"), store.TenantScope("globex"), store.AllTenants(), {}} {
		for _, f := range filters {
			n, err := s.CountHosts(t.Context(), sc, f)
			if err != nil {
				t.Fatal(err)
			}
			if want := len(allHosts(t, s, sc, f, 50)); n != int64(want) {
				t.Errorf("scope %+v filter %+v: CountHosts %d, Hosts lists %d", sc, f, n, want)
			}
		}
	}
}

func testFacets(t *testing.T, s store.Store) {
	twoTenants(t, s)
	for i := range 20 {
		save(t, s, nil, Incoming(t, "acme", newHost(uint64(1100+i), "acme").Next(t0)))
	}
	sc := store.TenantScope("acme")
	fc, err := s.Facets(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	hosts := allHosts(t, s, sc, store.HostFilter{}, 50)
	var sum int64
	for i, o := range fc.OS {
		sum += o.Hosts
		if i > 0 && o.Hosts > fc.OS[i-1].Hosts {
			t.Errorf("OS facets not by host count: %+v", fc.OS)
		}
		n := len(allHosts(t, s, sc, store.HostFilter{OS: o.ID + ":" + o.VersionID}, 50))
		if int64(n) != o.Hosts {
			t.Errorf("%s %s: facet %d hosts, filter %d", o.ID, o.VersionID, o.Hosts, n)
		}
		eol := 0
		for _, h := range hosts {
			if h.OS.ID != o.ID || h.OS.VersionID != o.VersionID {
				continue
			}
			if fs := allFindings(t, s, sc, store.FindingFilter{HostID: h.HostID, Kind: report.KindEOL, Layer: report.LayerOperatingSystem}); len(fs) > 0 {
				eol++
			}
		}
		if o.EOL != int64(eol) || o.PrettyName == "" {
			t.Errorf("%s %s: %d EOL hosts (pretty %q), want %d", o.ID, o.VersionID, o.EOL, o.PrettyName, eol)
		}
	}
	if sum != int64(len(hosts)) || len(fc.Tenants) != 1 || fc.Tenants[0] != (store.TenantCount{Tenant: "acme", Hosts: sum}) {
		t.Errorf("facets count %d hosts, tenants %+v; want %d acme hosts", sum, fc.Tenants, len(hosts))
	}
	all, err := s.Facets(t.Context(), store.AllTenants())
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Tenants) != 2 || all.Tenants[0].Tenant != "acme" || all.Tenants[1] != (store.TenantCount{Tenant: "globex", Hosts: 2}) {
		t.Errorf("admin tenant facets %+v", all.Tenants)
	}
	if none, err := s.Facets(t.Context(), store.Scope{}); err != nil || len(none.OS)+len(none.Tenants) != 0 {
		t.Errorf("the zero scope sees facets %+v (err %v)", none, err)
	}
}

func testFindingGroups(t *testing.T, s store.Store) {
	twoTenants(t, s)
	for i := range 12 {
		save(t, s, nil, Incoming(t, "acme", newHost(uint64(1200+i), "acme").Next(t0.Add(time.Duration(i)*time.Hour))))
	}
	sc := store.TenantScope("acme")
	for _, f := range []store.FindingFilter{{}, {Responsible: report.ResponsibleProvider}, {Kind: report.KindEOL}, {Product: "php"}} {
		gs, err := s.FindingGroups(t.Context(), sc, f, store.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		type key struct {
			resp report.Responsible
			sev  report.Severity
			kind report.Kind
			lay  report.Layer
			prod string
			cyc  string
		}
		want := map[key]map[string]bool{}
		wantN := map[key]int64{}
		oldest := map[key]time.Time{}
		for _, fd := range allFindings(t, s, sc, f) {
			k := key{fd.Responsible, fd.Severity, fd.Kind, fd.Layer, fd.Product, fd.Cycle}
			if want[k] == nil {
				want[k] = map[string]bool{}
			}
			want[k][fd.HostID] = true
			wantN[k]++
			if o, ok := oldest[k]; !ok || fd.OpenedAt.Before(o) {
				oldest[k] = fd.OpenedAt
			}
		}
		if len(gs) != len(want) {
			t.Errorf("filter %+v: %d groups, want %d", f, len(gs), len(want))
		}
		for i, g := range gs {
			k := key{g.Responsible, g.Severity, g.Kind, g.Layer, g.Product, g.Cycle}
			if g.Hosts != int64(len(want[k])) || g.Findings != wantN[k] || !g.OldestOpened.Equal(oldest[k]) {
				t.Errorf("group %+v: want %d hosts, %d findings, oldest %v", g, len(want[k]), wantN[k], oldest[k])
			}
			if i > 0 {
				p := gs[i-1]
				if p.Severity.Rank() > g.Severity.Rank() || (p.Severity == g.Severity && p.Hosts < g.Hosts) {
					t.Errorf("groups out of order: %+v before %+v", p, g)
				}
			}
		}
	}
	gs, err := s.FindingGroups(t.Context(), sc, store.FindingFilter{}, 3)
	if err != nil || len(gs) != 3 {
		t.Errorf("limit 3: %d groups, err %v", len(gs), err)
	}
	if gs, err := s.FindingGroups(t.Context(), store.Scope{}, store.FindingFilter{}, 10); err != nil || len(gs) != 0 {
		t.Errorf("the zero scope sees %d groups (err %v)", len(gs), err)
	}
	if _, err := s.FindingGroups(t.Context(), sc, store.FindingFilter{Status: "closed"}, 10); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad status: err %v", err)
	}
}

func testSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := store.Session{ID: bytes.Repeat([]byte{1}, 32), TokenID: "tok1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	b := store.Session{ID: bytes.Repeat([]byte{2}, 32), TokenID: "tok2", CreatedAt: t0, ExpiresAt: t0.Add(3 * time.Hour)}
	for _, se := range []store.Session{a, b} {
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, a); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate session: err %v, want ErrConflict", err)
	}
	got, err := s.Session(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.ID, a.ID) || got.TokenID != "tok1" || !got.CreatedAt.Equal(t0) || !got.ExpiresAt.Equal(a.ExpiresAt) {
		t.Errorf("session read back as %+v", got)
	}
	if _, err := s.Session(ctx, bytes.Repeat([]byte{3}, 32)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown session: err %v", err)
	}
	n, err := s.DeleteExpiredSessions(ctx, t0.Add(2*time.Hour))
	if err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions: %d, %v; want 1", n, err)
	}
	if _, err := s.Session(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session kept: err %v", err)
	}
	if err := s.DeleteSession(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted session kept: err %v", err)
	}
	if err := s.DeleteSession(ctx, b.ID); err != nil {
		t.Errorf("deleting a deleted session: %v", err)
	}
}
