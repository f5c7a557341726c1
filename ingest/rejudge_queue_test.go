package ingest

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func testRejudger() *rejudger {
	s := &Server{m: &metrics{rejudgeQueue: prometheus.NewGauge(prometheus.GaugeOpts{Name: "q"})}, cfg: Config{Now: time.Now}}
	return newRejudger(s)
}

// drain empties the wake channel and reports whether a wake was there.
func drain(q *rejudger) bool {
	select {
	case <-q.wake:
		return true
	default:
		return false
	}
}

// TestRejudgeQueueOneBatchPerHost: with several workers, a host queued
// again while its batch is under way is not taken by another worker (two
// verdicts on one host could then be stored in either order) but once
// that batch is done, and a worker is woken for it.
func TestRejudgeQueueOneBatchPerHost(t *testing.T) {
	q := testRejudger()
	q.queue([]string{"a", "b", "c"}, "lifecycle")
	if !drain(q) {
		t.Fatal("queue woke no worker")
	}
	first, more := q.take(2)
	if len(first) != 2 || !more {
		t.Fatalf("first take: %v, more %v; want 2 hosts and more", first, more)
	}
	second, more := q.take(2)
	if len(second) != 1 || more {
		t.Fatalf("second take: %v, more %v; want the third host alone", second, more)
	}
	var again string
	for id := range first {
		again = id
	}
	q.queue([]string{again}, "record")
	drain(q)
	if got, more := q.take(10); len(got) != 0 || more {
		t.Fatalf("took %v (more %v) while %s's batch is under way", got, more, again)
	}
	select {
	case <-q.Idle():
		t.Fatal("idle with batches under way")
	default:
	}
	q.done(second)
	if drain(q) {
		t.Error("a batch without requeued hosts woke a worker")
	}
	q.done(first)
	if !drain(q) {
		t.Fatal("the requeued host's batch finished without waking a worker")
	}
	got, _ := q.take(10)
	if len(got) != 1 || got[again] != "record" {
		t.Fatalf("after its batch: took %v, want %s for the newer reason", got, again)
	}
	q.done(got)
	select {
	case <-q.Idle():
	default:
		t.Fatal("not idle with nothing queued or under way")
	}
}
