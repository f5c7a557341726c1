package sqlite

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/storetest"
	"github.com/demarc/demarc/internal/reportgen"
)

// walAfter writes batches of first reports into a new store opened with o
// and returns the size of its WAL file at the end. Between batches it
// waits until the checkpointer (when on) has run a round that copied the
// whole log, as a quiet moment between an agent fleet's batches gives it.
func walAfter(t *testing.T, o Options, batches int) int64 {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demarc.db")
	s, c, err := open(t.Context(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	seed := uint64(0)
	for range batches {
		items := make([]store.Incoming, 10)
		for i := range items {
			seed++
			h := reportgen.NewHost(seed, int(seed), "acme", 40, 0).WithUpdates(10, 20)
			items[i] = storetest.Incoming(t, "acme", h.Next(at))
		}
		if _, err := s.SaveBatch(t.Context(), items); err != nil {
			t.Fatal(err)
		}
		if c == nil {
			continue
		}
		// Not a timing assertion: the deadline only ends a hung test.
		from := c.state().rounds
		deadline := time.Now().Add(30 * time.Second)
		for {
			cp := c.state()
			if cp.rounds > from && !cp.busy && cp.frames == cp.done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("checkpointer: no round copied the whole log in 30s (last %+v)", cp)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestCheckpointerKeepsWALShort: without the checkpointer the log grows
// with everything written until the writer's own checkpoint (100,000
// pages); with it, a round that copies the whole log lets the next
// commit start the log again, so the file stays about one batch long.
func TestCheckpointerKeepsWALShort(t *testing.T) {
	const batches = 12
	off := walAfter(t, Options{Synchronous: "NORMAL", CheckpointEvery: -1}, batches)
	on := walAfter(t, Options{Synchronous: "NORMAL", CheckpointEvery: 5 * time.Millisecond}, batches)
	t.Logf("WAL after %d batches: %d bytes without the checkpointer, %d with it", batches, off, on)
	if on*5 > off {
		t.Fatalf("WAL with the checkpointer %d bytes, without %d: want under a fifth", on, off)
	}
}

// TestCheckpointerFailureLoggedOnce: rounds that fail (here the
// checkpointer's connection is closed under it) are logged once, not
// every round, and Close still stops them.
func TestCheckpointerFailureLoggedOnce(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	log := zerolog.New(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}))
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return strings.Count(logs.String(), "sqlite checkpoint failed")
	}
	path := filepath.Join(t.TempDir(), "demarc.db")
	c, err := startCheckpointer(t.Context(), "file:"+path, time.Millisecond, log)
	if err != nil {
		t.Fatal(err)
	}
	c.db.Close()
	// Not a timing assertion: the deadline only ends a hung test.
	deadline := time.Now().Add(30 * time.Second)
	for count() == 0 || c.failed() < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: %d failures logged, %d rounds failed", count(), c.failed())
		}
		time.Sleep(time.Millisecond)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("failure logged %d times in %d failed rounds, want once:\n%s", n, c.failed(), logs.String())
	}
	if !strings.Contains(logs.String(), `"level":"warn"`) {
		t.Fatalf("failure not a warning:\n%s", logs.String())
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
