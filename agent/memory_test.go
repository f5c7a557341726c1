package agent

import (
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"
)

// TestMemoryReleasedAfterEachRun: every run ends by giving the scan's
// memory back (debug.FreeOSMemory unless Options.ReleaseMemory says
// otherwise), so that the idle agent stays small.
func TestMemoryReleasedAfterEachRun(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	st.RunOnStart = true
	var released atomic.Int64
	a := New(Options{Log: zerolog.Nop(), ReleaseMemory: func() { released.Add(1) },
		Load: func() (*Setup, error) { return st, nil }})
	stop := start(t, a, nil)
	eventually(t, "the report delivered", func() bool { s, _, _ := rv.snapshot(); return len(s) == 1 })
	eventually(t, "the memory released", func() bool { return released.Load() == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if New(Options{}).o.ReleaseMemory == nil {
		t.Fatal("no default ReleaseMemory")
	}
}
