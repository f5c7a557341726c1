package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

func usage(t *testing.T, s store.Store, tenant string) int64 {
	t.Helper()
	n, err := s.TenantUsage(t.Context(), tenant)
	if err != nil {
		t.Fatalf("TenantUsage(%s): %v", tenant, err)
	}
	return n
}

// testTenantUsage: a tenant's usage is exactly the bytes of its stored
// report bodies, through new reports, duplicates, conflicts, refused
// foreign hosts, concurrent batches and pruning.
func testTenantUsage(t *testing.T, s store.Store) {
	if n := usage(t, s, "acme"); n != 0 {
		t.Errorf("empty store: acme uses %d bytes", n)
	}
	h, lone := newHost(1000, "acme"), newHost(1001, "acme")
	old := Incoming(t, "acme", h.Next(t0))
	old.ReceivedAt = t0
	latest := Incoming(t, "acme", h.Next(t0.Add(time.Hour)))
	latest.ReceivedAt = t0.Add(time.Hour)
	only := Incoming(t, "acme", lone.Next(t0))
	only.ReceivedAt = t0
	g := Incoming(t, "globex", newHost(1002, "globex").Next(t0))
	save(t, s, []store.Result{store.Created, store.Created, store.Created, store.Created}, old, latest, only, g)
	want := int64(len(old.Gzip) + len(latest.Gzip) + len(only.Gzip))
	check := func(when string) {
		t.Helper()
		if n := usage(t, s, "acme"); n != want {
			t.Errorf("%s: acme uses %d bytes, want %d", when, n, want)
		}
		if n := usage(t, s, "globex"); n != int64(len(g.Gzip)) {
			t.Errorf("%s: globex uses %d bytes, want %d", when, n, len(g.Gzip))
		}
	}
	check("after saves")

	save(t, s, []store.Result{store.Duplicate, store.Duplicate}, old, g)
	changed := *latest.Report
	changed.DurationMS++
	save(t, s, []store.Result{store.Conflict}, Incoming(t, "acme", &changed))
	intruder := Incoming(t, "globex", h.Next(t0.Add(2*time.Hour)))
	save(t, s, []store.Result{store.Forbidden}, intruder)
	check("after duplicates, a conflict and a foreign host")

	// Concurrent batches (on PostgreSQL: several connections at once).
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 8 {
		in := Incoming(t, "acme", newHost(uint64(1010+i), "acme").Next(t0))
		in.ReceivedAt = t0.Add(time.Hour)
		wg.Go(func() {
			out, err := s.SaveBatch(t.Context(), []store.Incoming{in})
			if err != nil || out[0].Result != store.Created {
				t.Errorf("concurrent SaveBatch: %v %v", out, err)
				return
			}
			mu.Lock()
			want += int64(len(in.Gzip))
			mu.Unlock()
		})
	}
	wg.Wait()
	check("after concurrent batches")

	if _, err := s.Prune(t.Context(), t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	want -= int64(len(old.Gzip)) // each host's latest is kept
	check("after pruning")
	if _, err := s.Prune(t.Context(), t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	check("after pruning again")
}

// UsageBackfill checks migration 4 on a database that already holds
// reports: it undoes the migration with exec (raw SQL on the store's
// database), migrates again, and expects the usage counted from the stored
// bodies.
func UsageBackfill(t *testing.T, s store.Store, exec func(q string) error) {
	a := Incoming(t, "acme", newHost(1100, "acme").Next(t0))
	b := Incoming(t, "acme", newHost(1101, "acme").Next(t0))
	g := Incoming(t, "globex", newHost(1102, "globex").Next(t0))
	save(t, s, nil, a, b, g)
	for _, q := range []string{`DROP TABLE tenant_usage`, `DELETE FROM schema_migrations WHERE version = 4`} {
		if err := exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n, want := usage(t, s, "acme"), int64(len(a.Gzip)+len(b.Gzip)); n != want {
		t.Errorf("acme: %d bytes after the migration, want %d", n, want)
	}
	if n, want := usage(t, s, "globex"), int64(len(g.Gzip)); n != want {
		t.Errorf("globex: %d bytes after the migration, want %d", n, want)
	}
}
