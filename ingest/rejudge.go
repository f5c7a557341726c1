package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// RejudgeBatch is how many hosts one re-judging transaction holds.
const RejudgeBatch = 100

// rejudger re-evaluates the latest observations of hosts whose provider's
// record changed (or of the whole fleet when the rules or the lifecycle
// data did), in the background, a batch at a time on each of its
// workers (Config.RejudgeWorkers): ingest is never blocked behind it, and
// a report that arrives meanwhile wins (its own verdict is newer). A host
// is in one batch at a time: queued again while its batch is under way,
// it waits for that batch, so the verdict stored last is the newest.
type rejudger struct {
	s *Server

	mu       sync.Mutex
	pending  map[string]string   // host id -> why
	inflight map[string]struct{} // hosts taken and being re-judged
	holds    int                 // sweeps still listing hosts to queue (not idle)
	wake     chan struct{}
	idle     chan struct{} // closed and replaced when nothing is queued or under way
	since    time.Time     // records changed since then were queued
}

func newRejudger(s *Server) *rejudger {
	return &rejudger{s: s, pending: map[string]string{}, inflight: map[string]struct{}{}, wake: make(chan struct{}, 1),
		idle: make(chan struct{}), since: s.cfg.Now()}
}

// queue asks for hosts to be re-judged for reason (the newest reason of a
// host already queued wins).
func (q *rejudger) queue(hostIDs []string, reason string) {
	q.mu.Lock()
	for _, id := range hostIDs {
		q.pending[id] = reason
	}
	q.gaugeLocked()
	q.mu.Unlock()
	q.signal()
}

// gaugeLocked sets the queue's gauge: hosts queued and under way (a host
// queued again while under way counts twice: it is judged twice); q.mu
// is held.
func (q *rejudger) gaugeLocked() {
	q.s.m.rejudgeQueue.Set(float64(len(q.pending) + len(q.inflight)))
}

// signal wakes a worker (one that is waiting, or the next to wait).
func (q *rejudger) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Idle returns a channel closed once the queue is empty (tests, and a
// shutdown that wants the work done).
func (q *rejudger) Idle() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.idleLocked() {
		c := make(chan struct{})
		close(c)
		return c
	}
	return q.idle
}

// take removes up to n queued hosts that no other batch holds, and
// reports whether takeable hosts are left (for another worker).
func (q *rejudger) take(n int) (map[string]string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := map[string]string{}
	more := false
	for id, why := range q.pending {
		if _, busy := q.inflight[id]; busy {
			continue
		}
		if len(out) == n {
			more = true
			break
		}
		out[id] = why
		delete(q.pending, id)
		q.inflight[id] = struct{}{}
	}
	return out, more
}

// idleLocked reports whether nothing is queued, under way or about to be
// queued; q.mu is held.
func (q *rejudger) idleLocked() bool {
	return len(q.pending) == 0 && len(q.inflight) == 0 && q.holds == 0
}

// hold keeps the queue from reading idle until the returned release is
// called: a sweep that lists the fleet before queuing it.
func (q *rejudger) hold() (release func()) {
	q.mu.Lock()
	q.holds++
	q.mu.Unlock()
	return func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		q.holds--
		if q.idleLocked() {
			close(q.idle)
			q.idle = make(chan struct{})
		}
	}
}

// done marks a taken batch re-judged. Hosts queued again while it was
// under way can be taken now: a worker is woken for them.
func (q *rejudger) done(batch map[string]string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	waiting := false
	for id := range batch {
		delete(q.inflight, id)
		if _, ok := q.pending[id]; ok {
			waiting = true
		}
	}
	q.gaugeLocked()
	if waiting {
		q.signal()
	}
	if q.idleLocked() {
		close(q.idle)
		q.idle = make(chan struct{})
	}
}

// run works the queue on workers until the server stops, and every poll
// looks for records another process changed (a `hosts import` run beside
// serve).
func (q *rejudger) run(poll time.Duration, workers int) {
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(q.work)
	}
	defer wg.Wait()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-q.s.stop:
			return
		case <-t.C:
			q.pollRecords()
		}
	}
}

// work is one worker: woken, it re-judges batches until none can be
// taken, waking another worker while more are left. It looks for a stop
// only between those runs, not between batches: a host queued for its
// changed record is not queued again at the next start.
func (q *rejudger) work() {
	for {
		select {
		case <-q.s.stop:
			return
		case <-q.wake:
		}
		for {
			batch, more := q.take(RejudgeBatch)
			if len(batch) == 0 {
				break
			}
			if more {
				q.signal()
			}
			q.judgeBatch(batch)
			q.done(batch)
		}
	}
}

// pollOverlap is how far back each poll looks again: a change is stamped
// when its import begins, and an import of many rows commits later, so
// a poll that ran during it would miss it. Hosts seen twice are judged
// twice; the second verdict is the same and writes nothing.
const pollOverlap = 2 * time.Minute

// pollRecords queues the hosts whose record changed since the last poll.
func (q *rejudger) pollRecords() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A lifecycle import (by another process) shows here: the engine
	// follows the data and queues the fleet when it changed.
	if _, err := q.s.rulesEngine(ctx); err != nil {
		q.s.log.Warn().Err(err).Msg("re-judging: cannot load the lifecycle data")
	}
	now := q.s.cfg.Now()
	ids, err := q.s.store.RecordsChangedSince(ctx, q.since.Add(-pollOverlap))
	if err != nil {
		q.s.log.Warn().Err(err).Msg("re-judging: cannot read changed host records")
		return
	}
	q.since = now
	if len(ids) > 0 {
		q.queue(ids, "")
	}
}

// judgeBatch re-judges one batch of hosts.
func (q *rejudger) judgeBatch(batch map[string]string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ids := make([]string, 0, len(batch))
	for id := range batch {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var items []store.Rejudgement
	for _, id := range ids {
		it, err := q.s.rejudgement(ctx, id, batch[id])
		switch {
		case errors.Is(err, store.ErrNotFound):
			q.s.m.rejudged.WithLabelValues("missing").Inc()
			continue
		case err != nil:
			q.s.m.rejudged.WithLabelValues("error").Inc()
			q.s.log.Warn().Err(err).Str("host_id", id).Msg("re-judging: skipped a host")
			continue
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return
	}
	res, err := q.s.store.Rejudge(ctx, items)
	if err != nil {
		q.s.m.rejudged.WithLabelValues("error").Add(float64(len(items)))
		q.s.log.Error().Err(err).Int("hosts", len(items)).Msg("re-judging: batch not stored")
		return
	}
	counts := map[store.RejudgeResult]int{}
	for _, r := range res {
		counts[r]++
		q.s.m.rejudged.WithLabelValues(rejudgeResultName(r)).Inc()
	}
	q.s.log.Info().Int("hosts", len(items)).Int("applied", counts[store.RejudgeApplied]).
		Int("unchanged", counts[store.RejudgeUnchanged]).Int("stale", counts[store.RejudgeStale]).Msg("re-judged hosts")
}

// rejudgement judges a host's latest report anew.
func (s *Server) rejudgement(ctx context.Context, hostID, reason string) (store.Rejudgement, error) {
	h, err := s.store.Host(ctx, store.AllTenants(), hostID)
	if err != nil {
		return store.Rejudgement{}, err
	}
	body, err := s.store.HostReportBody(ctx, store.AllTenants(), hostID, h.LatestReportID)
	if err != nil {
		return store.Rejudgement{}, fmt.Errorf("latest report: %w", err)
	}
	var r report.Report
	if err := json.Unmarshal(body, &r); err != nil {
		return store.Rejudgement{}, fmt.Errorf("latest report %s: %w", h.LatestReportID, err)
	}
	r.Host.HostID = hostID // a legacy report's own id, or the enrolled host's
	now, at := s.cfg.Now().UTC(), r.ScannedAt
	if now.After(at) {
		at = now
	}
	j, err := s.judge(ctx, h.Tenant, &r, at)
	if err != nil {
		return store.Rejudgement{}, err
	}
	if reason == "" {
		reason = s.recordReason(ctx, hostID)
	}
	return store.Rejudgement{HostID: hostID, Tenant: h.Tenant, ReportID: h.LatestReportID, Report: j.Report,
		Reason: reason, At: now}, nil
}

// recordReason describes the newest change of a host's record: "tier
// managed → iaas, maintenance_agreement … by alice (token …)".
func (s *Server) recordReason(ctx context.Context, hostID string) string {
	page, err := s.store.RecordHistory(ctx, store.AllTenants(), hostID, store.Page{Limit: 20})
	if err != nil || len(page.Changes) == 0 {
		return "the provider's record changed"
	}
	newest := page.Changes[0]
	var parts []string
	for _, c := range page.Changes {
		if !c.At.Equal(newest.At) || c.By != newest.By {
			break
		}
		if c.Created {
			parts = append(parts, fmt.Sprintf("%s %s", c.Field, c.New))
		} else {
			parts = append(parts, fmt.Sprintf("%s %s → %s", c.Field, orNone(c.Old), orNone(c.New)))
		}
	}
	return fmt.Sprintf("provider's record changed by %s: %s", newest.By, strings.Join(parts, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// RejudgeHosts queues hosts for re-judging for reason ("" when their
// record changed: the record's history says how). It returns at once.
func (s *Server) RejudgeHosts(hostIDs []string, reason string) { s.rejudge.queue(hostIDs, reason) }

// RejudgeFleet queues every host for re-judging for reason (the rules or
// the lifecycle data changed).
func (s *Server) RejudgeFleet(ctx context.Context, reason string) (int, error) {
	n := 0
	p := store.Page{Limit: store.MaxLimit}
	for {
		page, err := s.store.Hosts(ctx, store.AllTenants(), store.HostFilter{}, p)
		if err != nil {
			return n, fmt.Errorf("list hosts to re-judge: %w", err)
		}
		ids := make([]string, len(page.Hosts))
		for i, h := range page.Hosts {
			ids[i] = h.HostID
		}
		s.rejudge.queue(ids, reason)
		n += len(ids)
		if page.Next == "" {
			return n, nil
		}
		p.Cursor = page.Next
	}
}

// RejudgeIdle returns a channel closed when no re-judging is queued.
func (s *Server) RejudgeIdle() <-chan struct{} { return s.rejudge.Idle() }

// rejudgeResultName is the metric label of a result.
func rejudgeResultName(r store.RejudgeResult) string {
	switch r {
	case store.RejudgeApplied:
		return "applied"
	case store.RejudgeUnchanged:
		return "unchanged"
	case store.RejudgeStale:
		return "stale"
	case store.RejudgeMissing:
		return "missing"
	}
	return "unknown"
}
