package ingest_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/postgres"
	"github.com/demarc/demarc/ingest/store/postgres/pgtest"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

type reportgenHost = reportgen.Host

// TestReplicasOnPostgres runs two servers, each with its own connection
// pool, on one PostgreSQL schema: a report posted to both at once is stored
// once, and each replica reads what the other wrote.
func TestReplicasOnPostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	open := func() store.Store {
		s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	one := newEnvOn(t, open(), func(c *ingestConfig) { c.CommitWorkers = 4 })
	two := newEnvOn(t, open(), func(c *ingestConfig) { c.CommitWorkers = 4 })
	// Tokens made through one replica's store work on the other.
	tokA := one.addToken("acme", store.RoleAgent)
	viewer := two.addToken("acme", store.RoleViewer)

	hosts := make([]*reportgenHost, 20)
	for i := range 20 {
		hosts[i] = host(uint64(60+i), "acme")
		r := hosts[i].Next(t0)
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for j, e := range []*env{one, two} {
			wg.Go(func() { codes[j], _ = e.post(tokA, r) })
		}
		wg.Wait()
		if !(codes[0] == 202 && codes[1] == 200 || codes[0] == 200 && codes[1] == 202) {
			t.Fatalf("report %d to both replicas: %v, want one 202 and one 200", i, codes)
		}
	}
	// Different reports to alternating replicas; both see them all.
	for i := range 10 {
		e := []*env{one, two}[i%2]
		if st, _ := e.post(tokA, hosts[i].Next(t0.Add(time.Hour))); st != http.StatusAccepted {
			t.Fatalf("post: %d", st)
		}
	}
	for _, e := range []*env{one, two} {
		var hp store.HostPage
		if st := e.get(viewer, "/api/v1/hosts?limit=100", &hp); st != http.StatusOK || len(hp.Hosts) != 20 {
			t.Errorf("replica sees %d hosts (status %d), want 20", len(hp.Hosts), st)
		}
		var rp store.ReportPage
		e.get(viewer, "/api/v1/hosts/"+hosts[1].ID+"/reports", &rp)
		if len(rp.Reports) != 2 {
			t.Errorf("replica sees %d reports of a host, want 2", len(rp.Reports))
		}
	}
	if _, n := one.stored(); n != 30 {
		t.Errorf("%d reports stored, want 30", n)
	}
	// A revocation through one replica holds on the other.
	if err := one.st.RevokeToken(t.Context(), tokenID(tokA), time.Now()); err != nil {
		t.Fatal(err)
	}
	if st, _ := two.post(tokA, host(99, "acme").Next(t0)); st != http.StatusUnauthorized {
		t.Errorf("revoked token on the other replica: %d", st)
	}
	_ = report.Schema
}
