package main

import (
	"sync"
	"time"
)

// ledger is what one agent (one host) believes: the reports it made, in
// order, and those the server acknowledged, and what became of its host
// key. In-process agents fill it from their scan and sender; `demarc
// agent` processes from their log lines.
type ledger struct {
	// host is the agent's name in the simulation (its directory);
	// hostID is the id the server assigned at enrollment, read from the
	// agent's state directory once the agents have stopped.
	host, tenant, hostID string
	// keyIDs are the ids of the host keys in the state directory after
	// the run (pending, current; "" for none).
	keyIDs []string

	mu       sync.Mutex
	gen      []genRec
	genIdx   map[string]int
	acked    map[string]ackRec
	dup200   int // acknowledgements that were the duplicate answer (200)
	failures int // sends that failed and were kept for a retry
	rejected int // sends the server refused for good
	// Host keys: new keys the agent received in answers, rotations it
	// completed (a received key confirmed and made current), received
	// keys the server then refused (dropped), and sends refused with 401
	// (the agent's key no longer accepted: locked out).
	keysReceived, rotations, keysDropped, unauthorized int
	instance                                           int // incremented at every (re)start of the agent
	unspooled                                          []string
	logIssues                                          []string // log lines that must not happen in a clean run
}

// genRec is one report the agent made.
type genRec struct {
	id       string
	at       time.Time // when the scan finished
	instance int
}

// ackRec is the first 2xx answer for a report.
type ackRec struct {
	at     time.Time
	status int
}

func newLedger(host, tenant string) *ledger {
	return &ledger{host: host, tenant: tenant, genIdx: map[string]int{}, acked: map[string]ackRec{}}
}

func (l *ledger) generated(id string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.genIdx[id]; ok {
		return
	}
	l.genIdx[id] = len(l.gen)
	l.gen = append(l.gen, genRec{id: id, at: at, instance: l.instance})
}

func (l *ledger) ack(id string, status int, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if status == 200 {
		l.dup200++
	}
	if _, ok := l.acked[id]; !ok {
		l.acked[id] = ackRec{at: at, status: status}
	}
}

func (l *ledger) failed() {
	l.mu.Lock()
	l.failures++
	l.mu.Unlock()
}

func (l *ledger) refused() {
	l.mu.Lock()
	l.rejected++
	l.mu.Unlock()
}

// keyEvent counts one change of the agent's host key.
func (l *ledger) keyEvent(counter *int) {
	l.mu.Lock()
	*counter++
	l.mu.Unlock()
}

func (l *ledger) issue(line string) {
	l.mu.Lock()
	l.logIssues = append(l.logIssues, line)
	l.mu.Unlock()
}

// restarted starts a new instance of the agent.
func (l *ledger) restarted() {
	l.mu.Lock()
	l.instance++
	l.mu.Unlock()
}

// killed records, after an agent was killed, the reports of the killed
// instance that it neither had acknowledged nor left in its spool: a
// report still in memory when the process died (made by the scan, not
// yet written). held lists the report ids in the spool.
func (l *ledger) killed(held map[string]bool) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, g := range l.gen {
		if g.instance != l.instance {
			continue
		}
		if _, ok := l.acked[g.id]; !ok && !held[g.id] {
			out = append(out, g.id)
		}
	}
	l.unspooled = append(l.unspooled, out...)
	return out
}

// waiting counts the reports made before t that are not acknowledged yet
// (reports lost with a killed process excepted), and the latest
// acknowledgement of those made before t.
func (l *ledger) waiting(t time.Time) (n int, lastAck time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lost := map[string]bool{}
	for _, id := range l.unspooled {
		lost[id] = true
	}
	for _, g := range l.gen {
		if !g.at.Before(t) || lost[g.id] {
			continue
		}
		a, ok := l.acked[g.id]
		if !ok {
			n++
			continue
		}
		if a.at.After(lastAck) {
			lastAck = a.at
		}
	}
	return n, lastAck
}
