package ingest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

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

// TestGroupCommit holds the first commit while more reports queue: they
// go into one transaction, each caller answered after it, and the poison
// report that breaks the batch fails alone.
func TestGroupCommit(t *testing.T) {
	f := &fakeStore{poison: "r-poison", entered: make(chan struct{}, 1)}
	m := newMetrics(f, time.Minute)
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
	<-f.entered // the first commit is running (and held)
	ids := []string{"r-poison"}
	for i := range 9 {
		ids = append(ids, "r-"+string(rune('a'+i)))
	}
	for _, id := range ids {
		submit(id)
	}
	for len(c.queue) < len(ids) {
		time.Sleep(time.Millisecond) // wait for the queue to fill (not a timed assertion)
	}
	f.gate.Unlock()
	wg.Wait()
	c.close()
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
	c := newCommitter(f, 1, 64, 128, newMetrics(f, time.Minute), zerolog.Nop())
	f.gate.Lock()
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = c.submit(t.Context(), incoming("first")) })
	<-f.entered
	for i := range 20 {
		wg.Go(func() { _, _ = c.submit(t.Context(), incoming(string(rune('a'+i)))) })
	}
	for len(c.queue) < 20 {
		time.Sleep(time.Millisecond)
	}
	f.gate.Unlock()
	wg.Wait()
	c.close()
	if len(f.batches) != 2 || len(f.batches[1]) != 20 {
		t.Errorf("batches %v, want [first] then all 20 together", f.batches)
	}
}

// TestCloseDrains closes the committer while reports are queued behind a
// held commit: close returns only after every one is committed.
func TestCloseDrains(t *testing.T) {
	f := &fakeStore{entered: make(chan struct{}, 1)}
	c := newCommitter(f, 1, 8, 128, newMetrics(f, time.Minute), zerolog.Nop())
	f.gate.Lock()
	var wg sync.WaitGroup
	errs := make([]error, 50)
	wg.Go(func() { _, errs[0] = c.submit(context.Background(), incoming("x0")) })
	<-f.entered
	for i := 1; i < 50; i++ {
		wg.Go(func() { _, errs[i] = c.submit(context.Background(), incoming(string(rune(0x100+i)))) })
	}
	for len(c.queue) < 49 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { c.close(); close(closed) }()
	f.gate.Unlock()
	<-closed
	wg.Wait()
	n := 0
	for _, b := range f.batches {
		n += len(b)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("submit %d: %v", i, err)
		}
	}
	if n != 50 {
		t.Errorf("%d reports committed, want 50", n)
	}
}

func TestBusy(t *testing.T) {
	f := &fakeStore{entered: make(chan struct{}, 1)}
	c := newCommitter(f, 1, 1, 1, newMetrics(f, time.Minute), zerolog.Nop())
	f.gate.Lock()
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = c.submit(t.Context(), incoming("a")) })
	<-f.entered
	wg.Go(func() { _, _ = c.submit(t.Context(), incoming("b")) })
	for len(c.queue) < 1 {
		time.Sleep(time.Millisecond)
	}
	if _, err := c.submit(t.Context(), incoming("c")); !errors.Is(err, ErrBusy) {
		t.Errorf("full queue: %v, want ErrBusy", err)
	}
	f.gate.Unlock()
	wg.Wait()
	c.close()
}
