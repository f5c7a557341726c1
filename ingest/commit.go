package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest/store"
)

// Errors of the group committer.
var (
	// ErrBusy: the commit queue is full; the client should retry later.
	ErrBusy = errors.New("server busy")
	// ErrShuttingDown: the server no longer accepts reports.
	ErrShuttingDown = errors.New("server shutting down")
)

// committer is the group commit: requests queue their reports, and each
// worker takes everything queued (up to maxBatch) into one transaction
// while the previous commit runs, so one fsync covers many reports and no
// request waits for a timer. A request is answered only after the commit
// that holds its report. If a batch fails, its members are retried one by
// one so that one bad report fails alone; other batches are not affected.
type committer struct {
	store    store.Writer
	queue    chan *pending
	maxBatch int
	timeout  time.Duration
	m        *metrics
	log      zerolog.Logger

	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

type pending struct {
	in   store.Incoming
	done chan commitResult
}

type commitResult struct {
	out store.Outcome
	err error
}

func newCommitter(s store.Writer, workers, maxBatch, queue int, m *metrics, log zerolog.Logger) *committer {
	c := &committer{store: s, queue: make(chan *pending, queue), maxBatch: maxBatch, timeout: 60 * time.Second, m: m, log: log}
	for range workers {
		c.wg.Go(c.run)
	}
	return c
}

// submit queues a report and waits for its commit. If ctx ends first the
// report may still be committed (the client will see a duplicate on retry).
func (c *committer) submit(ctx context.Context, in store.Incoming) (store.Outcome, error) {
	p := &pending{in: in, done: make(chan commitResult, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return store.Outcome{}, ErrShuttingDown
	}
	select {
	case c.queue <- p:
	default:
		c.mu.RUnlock()
		return store.Outcome{}, ErrBusy
	}
	c.mu.RUnlock()
	select {
	case r := <-p.done:
		return r.out, r.err
	case <-ctx.Done():
		return store.Outcome{}, fmt.Errorf("wait for commit: %w", ctx.Err())
	}
}

// close stops accepting reports and returns once every queued report is
// committed (or failed).
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *committer) run() {
	for p := range c.queue {
		batch := []*pending{p}
	fill:
		for len(batch) < c.maxBatch {
			select {
			case q, ok := <-c.queue:
				if !ok {
					break fill
				}
				batch = append(batch, q)
			default:
				break fill
			}
		}
		c.commit(batch)
	}
}

func (c *committer) commit(batch []*pending) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	items := make([]store.Incoming, len(batch))
	for i, p := range batch {
		items[i] = p.in
	}
	start := time.Now()
	outs, err := c.store.SaveBatch(ctx, items)
	c.m.commitSeconds.Observe(time.Since(start).Seconds())
	c.m.batchSize.Observe(float64(len(batch)))
	if err == nil {
		for i, p := range batch {
			p.done <- commitResult{out: outs[i]}
		}
		return
	}
	if len(batch) == 1 {
		c.m.commitErrors.Inc()
		batch[0].done <- commitResult{err: err}
		return
	}
	c.log.Warn().Err(err).Int("batch", len(batch)).Msg("batch commit failed; retrying its reports one by one")
	for _, p := range batch {
		outs, err := c.store.SaveBatch(ctx, []store.Incoming{p.in})
		if err != nil {
			c.m.commitErrors.Inc()
			p.done <- commitResult{err: err}
			continue
		}
		p.done <- commitResult{out: outs[0]}
	}
}
