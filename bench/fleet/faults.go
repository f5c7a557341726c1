package main

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/demarc/demarc/bench/faultproxy"
)

// Kinds of fault.
const (
	faultNetwork    = "network"     // the proxy's mode changes for a while
	faultServerKill = "server-kill" // SIGKILL, then a restart on the same database
	faultAgentKill  = "agent-kill"  // some agents killed, then restarted on their spools
)

// fault is one planned fault, at offsets from the start of the faults.
type fault struct {
	kind       string
	start, end time.Duration
	mode       faultproxy.Mode // faultNetwork
}

func (f fault) String() string {
	name := f.kind
	if f.kind == faultNetwork {
		name = f.mode.Name
	}
	return fmt.Sprintf("%6.1fs – %6.1fs  %s", f.start.Seconds(), f.end.Seconds(), name)
}

// Network faults of a cycle.
var (
	degraded = faultproxy.Mode{Name: "network: drop 5%, reset 15%, delay 100ms", Drop: 0.05, Reset: 0.15, Delay: 100 * time.Millisecond}
	cut      = faultproxy.Mode{Name: "network: cut (blackhole every connection)", Blackhole: true}
	resets   = faultproxy.Mode{Name: "network: reset 40% (half after the server had the request)", Reset: 0.4}
)

// plan lays out cycles of length c: a degraded network, a server SIGKILL
// with a few seconds down, a cut with agents killed in the middle of it
// (their spools full), a server SIGKILL restarted at once, a burst of
// resets, and a clean stretch. Every cycle repeats it.
func plan(cycles int, c time.Duration) []fault {
	at := func(i int, f float64) time.Duration { return time.Duration(i)*c + time.Duration(f*float64(c)) }
	var out []fault
	for i := range cycles {
		out = append(out,
			fault{kind: faultNetwork, start: at(i, 0.05), end: at(i, 0.20), mode: degraded},
			fault{kind: faultServerKill, start: at(i, 0.25), end: at(i, 0.35)},
			fault{kind: faultNetwork, start: at(i, 0.42), end: at(i, 0.60), mode: cut},
			fault{kind: faultAgentKill, start: at(i, 0.50), end: at(i, 0.56)},
			fault{kind: faultServerKill, start: at(i, 0.68), end: at(i, 0.68)},
			fault{kind: faultNetwork, start: at(i, 0.75), end: at(i, 0.85), mode: resets},
		)
	}
	return out
}

// window is a fault as it happened, in wall-clock time.
type window struct {
	kind, label string
	start, end  time.Time
}

// windows records the faults as they happen.
type windows struct {
	mu   sync.Mutex
	list []window
}

func (w *windows) add(kind, label string, start, end time.Time) {
	w.mu.Lock()
	w.list = append(w.list, window{kind: kind, label: label, start: start, end: end})
	w.mu.Unlock()
}

func (w *windows) all() []window {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]window(nil), w.list...)
	sort.Slice(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out
}

// overlaps reports whether [a, b] meets a window that can slow ingestion
// (agent kills do not: the server and network are fine meanwhile),
// counting settle after each window's end as part of it.
func (w *windows) overlaps(a, b time.Time, settle time.Duration) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, x := range w.list {
		if x.kind != faultAgentKill && !b.Before(x.start) && !a.After(x.end.Add(settle)) {
			return true
		}
	}
	return false
}

// last is the end of the last fault.
func (w *windows) last() time.Time {
	var t time.Time
	for _, x := range w.all() {
		if x.end.After(t) {
			t = x.end
		}
	}
	return t
}

func printPlan(out io.Writer, faults []fault) {
	fmt.Fprintln(out, "fault plan (seconds from the end of the warm-up):")
	for _, f := range faults {
		fmt.Fprintln(out, "  "+f.String())
	}
}
