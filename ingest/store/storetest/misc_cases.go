package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

// meta holds SQL, LIKE and HTML metacharacters and non-ASCII text.
const meta = `'; DROP TABLE hosts; -- "x" <script>alert(1)</script> %_\ ? $1 ünïcødé`

func testMetacharacters(t *testing.T, s store.Store) {
	h := newHost(700, "acme")
	r := h.Next(t0)
	r.Host.Hostname = meta
	r.Host.OS.PrettyName = meta
	r.Profile.Provider = meta
	f := &r.Findings[0]
	f.Product, f.Installed, f.Rule, f.Rationale, f.Remediation = meta, meta, meta, meta, meta
	f.Evidence = []string{meta, meta}
	save(t, s, []store.Result{store.Created}, Incoming(t, "acme", r))
	got := mustHost(t, s, store.TenantScope("acme"), h.ID)
	if got.Hostname != meta || got.OS.PrettyName != meta || got.Provider != meta {
		t.Errorf("host strings altered: %q %q %q", got.Hostname, got.OS.PrettyName, got.Provider)
	}
	fs := allFindings(t, s, store.TenantScope("acme"), store.FindingFilter{Product: meta})
	if len(fs) != 1 {
		t.Fatalf("%d findings with product %q, want 1", len(fs), meta)
	}
	g := fs[0]
	if g.Installed != meta || g.Rule != meta || g.Rationale != meta || g.Remediation != meta || len(g.Evidence) != 2 || g.Evidence[1] != meta {
		t.Errorf("finding strings altered: %+v", g.Finding)
	}
	if hs := allHosts(t, s, store.TenantScope("acme"), store.HostFilter{Search: "drop table"}, 10); len(hs) != 1 {
		t.Errorf("search for metacharacters found %d hosts", len(hs))
	}
}

func testTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	tok := store.Token{ID: "tok1", Tenant: "acme", Role: store.RoleAgent, Name: "web fleet", Hash: []byte{1, 2, 3}, CreatedAt: t0}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, tok); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate token id: err %v, want ErrConflict", err)
	}
	got, err := s.Token(ctx, "tok1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Tenant != "acme" || got.Role != store.RoleAgent || string(got.Hash) != "\x01\x02\x03" || got.RevokedAt != nil || !got.CreatedAt.Equal(t0) {
		t.Errorf("token read back as %+v", got)
	}
	if _, err := s.Token(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: err %v", err)
	}
	if err := s.RevokeToken(ctx, "tok1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "tok1", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "nope", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke unknown: err %v", err)
	}
	list, err := s.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("tokens %+v", list)
	}
}

func testPrune(t *testing.T, s store.Store) {
	h := newHost(800, "acme")
	old := Incoming(t, "acme", h.Next(t0))
	old.ReceivedAt = t0
	latest := Incoming(t, "acme", h.Next(t0.Add(time.Hour)))
	latest.ReceivedAt = t0.Add(time.Hour)
	save(t, s, nil, old, latest)
	lone := newHost(801, "acme")
	only := Incoming(t, "acme", lone.Next(t0))
	only.ReceivedAt = t0
	save(t, s, nil, only)
	if _, err := s.Prune(t.Context(), t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	sc := store.TenantScope("acme")
	if _, err := s.ReportBody(t.Context(), sc, old.Report.ReportID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old report kept: err %v", err)
	}
	for _, id := range []string{latest.Report.ReportID, only.Report.ReportID} {
		if _, err := s.ReportBody(t.Context(), sc, id); err != nil {
			t.Errorf("latest report %s pruned: %v", id, err)
		}
	}
}

// testConcurrentSameReport posts one report from many goroutines at once
// (on PostgreSQL: many connections, as from several replicas): exactly one
// Created, the rest Duplicate.
func testConcurrentSameReport(t *testing.T, s store.Store) {
	h := newHost(900, "acme")
	in := Incoming(t, "acme", h.Next(t0))
	const n = 8
	results := make([]store.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, err := s.SaveBatch(t.Context(), []store.Incoming{in})
			errs[i] = err
			if err == nil {
				results[i] = out[0].Result
			}
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("SaveBatch %d: %v", i, errs[i])
		}
		switch results[i] {
		case store.Created:
			created++
		case store.Duplicate:
		default:
			t.Errorf("result %v", results[i])
		}
	}
	if created != 1 {
		t.Errorf("%d Created, want 1", created)
	}
	if fs := allFindings(t, s, store.AllTenants(), store.FindingFilter{HostID: h.ID}); len(fs) != 40 {
		t.Errorf("%d findings, want 40", len(fs))
	}
}

func testMigrateTwice(t *testing.T, s store.Store) {
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// testServerState: a named value is ErrNotFound until set, then the last
// value set; names are independent.
func testServerState(t *testing.T, s store.Store) {
	ctx := t.Context()
	if v, err := s.ServerState(ctx, "judge_basis"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unset: %q %v, want ErrNotFound", v, err)
	}
	for _, v := range []string{"matrix=a", "matrix=b; " + meta} {
		if err := s.SetServerState(ctx, "judge_basis", v, t0); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ServerState(ctx, "judge_basis"); err != nil || got != v {
			t.Errorf("ServerState = %q %v, want %q", got, err, v)
		}
	}
	if v, err := s.ServerState(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another name: %q %v", v, err)
	}
}
