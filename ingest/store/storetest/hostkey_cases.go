package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/internal/reportgen"
)

// enrolled is a generated host enrolled under its own host id, with the
// current key "key-<host id>".
func enrolled(t *testing.T, s store.Store, seed uint64, tenant, machineID string) *reportgen.Host {
	t.Helper()
	secret := "sec-" + tenant
	if _, err := s.EnrollSecret(t.Context(), secret); errors.Is(err, store.ErrNotFound) {
		createSecret(t, s, store.EnrollSecret{ID: secret, Tenant: tenant})
	}
	h := newHost(seed, tenant)
	mustEnroll(t, s, enrollment(secret, tenant, h.ID, machineID))
	return h
}

// posted is a report of h posted with key at.
func posted(t *testing.T, h *reportgen.Host, key string, at time.Time) store.Incoming {
	in := Incoming(t, h.Tenant, h.Next(at))
	in.KeyID, in.ReceivedAt = key, at
	return in
}

func mustKey(t *testing.T, s store.Store, id string) store.HostKey {
	t.Helper()
	k, err := s.HostKey(t.Context(), id)
	if err != nil {
		t.Fatalf("HostKey(%s): %v", id, err)
	}
	return k
}

// testKeyRotation: a post sets its key's last_used_at; IssueKey creates a
// pending key (replacing an earlier one) and clears rotate_requested; a
// post with the pending key promotes it.
func testKeyRotation(t *testing.T, s store.Store) {
	ctx := t.Context()
	h := enrolled(t, s, 1200, "acme", "")
	cur := "key-" + h.ID
	if err := s.RequestRotation(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if k := mustKey(t, s, cur); !k.RotateRequested {
		t.Error("rotation requested, not seen on the key")
	}
	at := t0.Add(time.Hour)
	first := posted(t, h, cur, at)
	first.IssueKey = &store.NewHostKey{ID: "pending-1", Hash: []byte("p1"), CreatedAt: at}
	if out := save(t, s, []store.Result{store.Created}, first); !out[0].KeyIssued {
		t.Error("IssueKey not reported as issued")
	}
	if k := mustKey(t, s, cur); k.LastUsedAt == nil || !k.LastUsedAt.Equal(at) || k.State != store.KeyCurrent || k.RotateRequested {
		t.Errorf("current key after the post: %+v", k)
	}
	if k := mustKey(t, s, "pending-1"); k.State != store.KeyPending || k.HostID != h.ID || k.Tenant != "acme" || !k.CreatedAt.Equal(at) {
		t.Errorf("issued key: %+v", k)
	}
	// A lost answer: the next post issues another key, replacing it. A
	// duplicate is a 2xx answer too.
	dup := first
	dup.ReceivedAt = at.Add(time.Minute)
	dup.IssueKey = &store.NewHostKey{ID: "pending-2", Hash: []byte("p2"), CreatedAt: dup.ReceivedAt}
	if out := save(t, s, []store.Result{store.Duplicate}, dup); !out[0].KeyIssued {
		t.Error("IssueKey on a duplicate not issued")
	}
	if k := mustKey(t, s, "pending-1"); k.State != store.KeyRetired {
		t.Errorf("earlier pending key is %s, want retired", k.State)
	}
	if k := mustKey(t, s, cur); !k.LastUsedAt.Equal(dup.ReceivedAt) {
		t.Errorf("last used %v, want %v", k.LastUsedAt, dup.ReceivedAt)
	}
	// A conflict (a 409) issues nothing and promotes nothing.
	changed := *first.Report
	changed.DurationMS++
	conflict := Incoming(t, "acme", &changed)
	conflict.KeyID, conflict.ReceivedAt = "pending-2", at.Add(2*time.Minute)
	conflict.IssueKey = &store.NewHostKey{ID: "pending-3", Hash: []byte("p3"), CreatedAt: at}
	if out := save(t, s, []store.Result{store.Conflict}, conflict); out[0].KeyIssued {
		t.Error("a conflict issued a key")
	}
	if _, err := s.HostKey(ctx, "pending-3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a conflict stored a key: %v", err)
	}
	if k := mustKey(t, s, "pending-2"); k.State != store.KeyPending {
		t.Errorf("a conflict made the pending key %s", k.State)
	}
	// The agent posts with the new key: it becomes current, the old one
	// retired.
	next := posted(t, h, "pending-2", at.Add(time.Hour))
	save(t, s, []store.Result{store.Created}, next)
	if k := mustKey(t, s, "pending-2"); k.State != store.KeyCurrent || !k.LastUsedAt.Equal(next.ReceivedAt) {
		t.Errorf("promoted key: %+v", k)
	}
	if k := mustKey(t, s, cur); k.State != store.KeyRetired {
		t.Errorf("old current key is %s, want retired", k.State)
	}
	id, err := s.HostIdentity(ctx, store.TenantScope("acme"), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if id.RotateRequested || !id.KeyCreatedAt.Equal(dup.ReceivedAt) || id.KeyLastUsedAt == nil || !id.KeyLastUsedAt.Equal(next.ReceivedAt) {
		t.Errorf("identity after rotation: %+v", id)
	}
	// A current key's later post changes nothing else.
	save(t, s, []store.Result{store.Created}, posted(t, h, "pending-2", at.Add(2*time.Hour)))
	if k := mustKey(t, s, "pending-2"); k.State != store.KeyCurrent {
		t.Errorf("current key is %s after a second post", k.State)
	}
}

// testKeyBinding: a key posts only its own host's reports in its tenant,
// and nothing once its host is revoked; refused posts store nothing.
func testKeyBinding(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := enrolled(t, s, 1300, "acme", ""), enrolled(t, s, 1301, "acme", "")
	save(t, s, []store.Result{store.Created}, posted(t, b, "key-"+b.ID, t0))
	refused := []store.Incoming{
		posted(t, b, "key-"+a.ID, t0.Add(time.Hour)), // another host's key
		posted(t, a, "no-such-key", t0.Add(time.Hour)),
	}
	wrongTenant := posted(t, a, "key-"+a.ID, t0.Add(time.Hour))
	wrongTenant.Tenant = "globex"
	refused = append(refused, wrongTenant)
	for _, in := range refused {
		save(t, s, []store.Result{store.Forbidden}, in)
		if _, err := s.ReportBody(ctx, store.AllTenants(), in.Report.ReportID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refused report %s stored: %v", in.Report.ReportID, err)
		}
	}
	if _, err := s.Host(ctx, store.AllTenants(), a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused posts created host %s: %v", a.ID, err)
	}
	if k := mustKey(t, s, "key-"+a.ID); k.LastUsedAt != nil {
		t.Errorf("a refused post used key %+v", k)
	}

	if err := s.RevokeHost(ctx, b.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeHost(ctx, b.ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{s.RevokeHost(ctx, "nope", t0), s.RequestRotation(ctx, "nope")} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown host: err %v, want ErrNotFound", err)
		}
	}
	if k := mustKey(t, s, "key-"+b.ID); k.HostRevokedAt == nil || !k.HostRevokedAt.Equal(t0.Add(time.Hour)) || k.State != store.KeyCurrent {
		t.Errorf("key of a revoked host: %+v", k)
	}
	late := posted(t, b, "key-"+b.ID, t0.Add(3*time.Hour))
	late.IssueKey = &store.NewHostKey{ID: "never", Hash: []byte("n"), CreatedAt: t0}
	save(t, s, []store.Result{store.Forbidden}, late)
	if got := mustHost(t, s, store.AllTenants(), b.ID); got.LatestReportID == late.Report.ReportID {
		t.Error("a revoked host's report became its state")
	}
	if _, err := s.HostKey(ctx, "never"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revoked host was issued a key: %v", err)
	}
}

// testLegacyPost: a legacy agent token may not post for an enrolled host
// id (nothing stored), and still posts for hosts that never enrolled.
func testLegacyPost(t *testing.T, s store.Store) {
	ctx := t.Context()
	h := enrolled(t, s, 1400, "acme", "")
	in := Incoming(t, "acme", h.Next(t0))
	in.Legacy = true
	save(t, s, []store.Result{store.Forbidden}, in)
	if _, err := s.ReportBody(ctx, store.AllTenants(), in.Report.ReportID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("legacy report for an enrolled host stored: %v", err)
	}
	if _, err := s.Host(ctx, store.AllTenants(), h.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("legacy report for an enrolled host created it: %v", err)
	}
	if n := usage(t, s, "acme"); n != 0 {
		t.Errorf("refused report counted: %d bytes", n)
	}
	old := Incoming(t, "acme", newHost(1401, "acme").Next(t0))
	old.Legacy = true
	save(t, s, []store.Result{store.Created}, old)
}

// testConcurrentKeyPosts: one host posts from many connections at once,
// some batches with its pending key (promoting it), some with its current
// key and a new key to issue (replacing the pending one), some holding a
// duplicate before a new report: no batch fails (no deadlock, no second
// current or pending key) and the host ends with one current key and at
// most one pending. A post made with the first key after another batch
// retired it is refused (a retired key posts nothing) and issues nothing.
func testConcurrentKeyPosts(t *testing.T, s store.Store) {
	h := enrolled(t, s, 1700, "acme", "")
	cur := "key-" + h.ID
	first := posted(t, h, cur, t0)
	first.IssueKey = &store.NewHostKey{ID: "pend", Hash: []byte("p"), CreatedAt: t0}
	save(t, s, []store.Result{store.Created}, first)
	const n = 8
	batches := make([][]store.Incoming, n)
	keys := []string{cur, "pend"}
	for i := range n {
		at := t0.Add(time.Duration(i+1) * time.Minute)
		switch i % 3 {
		case 0:
			batches[i] = []store.Incoming{posted(t, h, "pend", at)}
		case 1:
			in := posted(t, h, cur, at)
			id := "issued-" + string(rune('a'+i))
			in.IssueKey = &store.NewHostKey{ID: id, Hash: []byte(id), CreatedAt: at}
			keys = append(keys, id)
			batches[i] = []store.Incoming{in}
		default:
			dup := first
			dup.KeyID, dup.IssueKey = "pend", nil
			batches[i] = []store.Incoming{dup, posted(t, h, "pend", at)}
		}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	refused := map[string]bool{} // issued key id -> its post was refused
	var mu sync.Mutex
	for _, b := range batches {
		wg.Go(func() {
			<-start
			out, err := s.SaveBatch(t.Context(), b)
			if err != nil {
				t.Errorf("SaveBatch: %v", err)
				return
			}
			for i, in := range b {
				if in.IssueKey != nil && out[i].Result == store.Forbidden {
					mu.Lock()
					refused[in.IssueKey.ID] = true
					mu.Unlock()
				}
			}
		})
	}
	close(start)
	wg.Wait()
	states := map[store.KeyState]int{}
	for _, id := range keys {
		if refused[id] {
			if _, err := s.HostKey(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("key %s was issued by a refused post (err %v)", id, err)
			}
			continue
		}
		states[mustKey(t, s, id).State]++
	}
	if states[store.KeyCurrent] != 1 || states[store.KeyPending] > 1 {
		t.Errorf("key states %v: want one current, at most one pending", states)
	}
	// Whichever came first: the pending key was promoted (the first key
	// retired), or replaced by an issued one before its post (then it
	// promotes nothing).
	if c, p := mustKey(t, s, cur).State, mustKey(t, s, "pend").State; (c == store.KeyRetired) != (p == store.KeyCurrent) {
		t.Errorf("first key %s, pending key %s", c, p)
	}
}
