package ingest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// fakeStore records batches; SaveBatch blocks while gate is held and fails
// any batch holding a report id in poison.
type fakeStore struct {
	store.Store
	gate    sync.Mutex
	mu      sync.Mutex
	batches [][]string
	poison  string
	entered chan struct{}
}

var errPoison = errors.New("poisoned batch")

func (f *fakeStore) SaveBatch(_ context.Context, items []store.Incoming) ([]store.Outcome, error) {
	select {
	case f.entered <- struct{}{}:
	default:
	}
	f.gate.Lock()
	defer f.gate.Unlock()
	ids := make([]string, len(items))
	out := make([]store.Outcome, len(items))
	for i, it := range items {
		ids[i] = it.Report.ReportID
		if ids[i] == f.poison {
			return nil, errPoison
		}
		out[i] = store.Outcome{Result: store.Created, Latest: true}
	}
	f.mu.Lock()
	f.batches = append(f.batches, ids)
	f.mu.Unlock()
	return out, nil
}

func incoming(id string) store.Incoming {
	return store.Incoming{Tenant: "acme", Report: &report.Report{ReportID: id}}
}

// waitBound caps every wait in these tests: a regression that loses a caller
// or never commits fails, saying what was awaited, instead of hanging
// until go test's timeout. It bounds a wait; nothing asserts how long
// anything takes.
const waitBound = 10 * time.Second

// waitChan waits until ch yields or is closed.
func waitChan[T any](t *testing.T, what string, ch <-chan T) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitBound):
		t.Fatalf("gave up after %v waiting for %s", waitBound, what)
	}
}

// waitGroup waits for wg: every submit answered.
func waitGroup(t *testing.T, what string, wg *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	waitChan(t, what, done)
}

// waitQueued waits until n reports wait in c's queue.
func waitQueued(t *testing.T, c *committer, n int) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for len(c.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %d queued reports: %d queued", waitBound, n, len(c.queue))
		}
		time.Sleep(time.Millisecond)
	}
}

// closeCommitter closes c: close returns once every queued report is
// committed.
func closeCommitter(t *testing.T, c *committer) {
	t.Helper()
	done := make(chan struct{})
	go func() { c.close(); close(done) }()
	waitChan(t, "close to drain the queue", done)
}

// TestGroupCommit holds the first commit while more reports queue: they
// go into one transaction, each caller answered after it, and the poison
// report that breaks the batch fails alone.
func TestGroupCommit(t *testing.T) {
	f := &fakeStore{poison: "r-poison", entered: make(chan struct{}, 1)}
	m := newMetrics(f, time.Minute, sla.Default(), time.Now)
	c := newCommitter(f, 1, 64, 128, m, zerolog.Nop())
	f.gate.Lock()
	results := make(map[string]error)
	var mu sync.Mutex
	var wg sync.WaitGroup
	submit := func(id string) {
		wg.Go(func() {
			_, err := c.submit(t.Context(), incoming(id))
			mu.Lock()
			results[id] = err
			mu.Unlock()
		})
	}
	submit("r-first")
	waitChan(t, "the first commit", f.entered) // running, and held
	ids := []string{"r-poison"}
	for i := range 9 {
		ids = append(ids, "r-"+string(rune('a'+i)))
	}
	for _, id := range ids {
		submit(id)
	}
	waitQueued(t, c, len(ids))
	f.gate.Unlock()
	waitGroup(t, "every submit answered", &wg)
	closeCommitter(t, c)
	for _, id := range append(ids, "r-first") {
		err := results[id]
		if id == "r-poison" {
			if !errors.Is(err, errPoison) {
				t.Errorf("poison: err %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if len(f.batches) < 2 || len(f.batches[0]) != 1 {
		t.Fatalf("batches %v", f.batches)
	}
	// The failed batch of 10 was retried one by one: 9 single commits.
	if len(f.batches) != 1+9 {
		t.Errorf("%d commits after the failed batch, want 9: %v", len(f.batches)-1, f.batches)
	}
	if _, err := c.submit(t.Context(), incoming("late")); !errors.Is(err, ErrShuttingDown) {
		t.Errorf("submit after close: %v", err)
	}
}

// TestGroupCommitBatches checks that queued reports share a transaction.
func TestGroupCommitBatches(t *testing.T) {
	f := &fakeStore{entered: make(chan struct{}, 1)}
	c := newCommitter(f, 1, 64, 128, newMetrics(f, time.Minute, sla.Default(), time.Now), zerolog.Nop())
	f.gate.Lock()
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = c.submit(t.Context(), incoming("first")) })
	waitChan(t, "the first commit", f.entered)
	for i := range 20 {
		wg.Go(func() { _, _ = c.submit(t.Context(), incoming(string(rune('a'+i)))) })
	}
	waitQueued(t, c, 20)
	f.gate.Unlock()
	waitGroup(t, "every submit answered", &wg)
	closeCommitter(t, c)
	if len(f.batches) != 2 || len(f.batches[1]) != 20 {
		t.Errorf("batches %v, want [first] then all 20 together", f.batches)
	}
}

// TestCloseDrains closes the committer while reports are queued behind a
// held commit: close returns only after every one is committed.
func TestCloseDrains(t *testing.T) {
	f := &fakeStore{entered: make(chan struct{}, 1)}
	c := newCommitter(f, 1, 8, 128, newMetrics(f, time.Minute, sla.Default(), time.Now), zerolog.Nop())
	f.gate.Lock()
	var wg sync.WaitGroup
	errs := make([]error, 50)
	wg.Go(func() { _, errs[0] = c.submit(context.Background(), incoming("x0")) })
	waitChan(t, "the first commit", f.entered)
	for i := 1; i < 50; i++ {
		wg.Go(func() { _, errs[i] = c.submit(context.Background(), incoming(string(rune(0x100+i)))) })
	}
	waitQueued(t, c, 49)
	closed := make(chan struct{})
	go func() { c.close(); close(closed) }()
	f.gate.Unlock()
	waitChan(t, "close to drain the queue", closed)
	// Counted when close returned, not after the callers were answered.
	n := 0
	f.mu.Lock()
	for _, b := range f.batches {
		n += len(b)
	}
	f.mu.Unlock()
	waitGroup(t, "every submit answered", &wg)
	for i, err := range errs {
		if err != nil {
			t.Errorf("submit %d: %v", i, err)
		}
	}
	if n != 50 {
		t.Errorf("%d reports committed when close returned, want 50", n)
	}
}

func TestBusy(t *testing.T) {
	f := &fakeStore{entered: make(chan struct{}, 1)}
	c := newCommitter(f, 1, 1, 1, newMetrics(f, time.Minute, sla.Default(), time.Now), zerolog.Nop())
	f.gate.Lock()
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = c.submit(t.Context(), incoming("a")) })
	waitChan(t, "the first commit", f.entered)
	wg.Go(func() { _, _ = c.submit(t.Context(), incoming("b")) })
	waitQueued(t, c, 1)
	if _, err := c.submit(t.Context(), incoming("c")); !errors.Is(err, ErrBusy) {
		t.Errorf("full queue: %v, want ErrBusy", err)
	}
	f.gate.Unlock()
	waitGroup(t, "every submit answered", &wg)
	closeCommitter(t, c)
}
