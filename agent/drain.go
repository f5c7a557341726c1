package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/spool"
)

type outcome int

const (
	sent outcome = iota
	retry
	rejected
	stopped
)

type result struct {
	kind    outcome
	reason  string
	retryIn time.Duration
}

// drainLocked moves reports held in memory into the spool, then sends what
// waits, oldest first: the spool, then whatever memory still holds. It
// stops at the first failure worth retrying, so order is kept and a down
// server costs one timeout per drain. Called with mu held.
func (a *Agent) drainLocked(ctx context.Context, st *Setup, lock func() (func(), error)) event {
	a.flushMem(st)
	unlock, err := lock()
	if errors.Is(err, spool.ErrLocked) {
		a.log.Info().Str("spool", st.Spool.Dir()).Msg("another process is draining the spool; trying again later")
		return event{retryIn: a.backoff(0)}
	}
	if err == nil {
		defer unlock()
		entries, _ := st.Spool.List()
		for i, e := range entries {
			key := filepath.Join(st.Spool.Dir(), e.Name)
			if a.stuck[key] {
				continue
			}
			data, err := st.Spool.Load(e)
			if err != nil {
				a.unreadable(st, e, key, err)
				continue
			}
			res := a.sendOne(ctx, st, e.ID, data, len(entries)-i+len(a.mem))
			switch res.kind {
			case sent:
				if err := st.Spool.Remove(e); err != nil {
					a.stuck[key] = true
					a.log.Error().Err(err).Str("report_id", e.ID).
						Msg("report delivered but not removed from the spool: it is sent again after a restart and the server stores it once")
				}
			case rejected:
				to, err := st.Spool.Reject(e, res.reason)
				a.logRejected(e.ID, res.reason, to, err)
				if err != nil {
					a.stuck[key] = true
				}
			default:
				return event{retryIn: res.retryIn}
			}
		}
	}
	for len(a.mem) > 0 {
		m := a.mem[0]
		res := a.sendOne(ctx, st, m.id, m.data, len(a.mem))
		switch res.kind {
		case sent:
		case rejected:
			to, err := st.Spool.RejectData(m.id, m.data, res.reason)
			a.logRejected(m.id, res.reason, to, err)
		default:
			return event{retryIn: res.retryIn}
		}
		a.mem = a.mem[1:]
	}
	a.failures = 0
	st.Sender.CloseIdle()
	return event{idle: true}
}

// flushMem moves reports held in memory into the spool, oldest first, and
// stops at the first write that fails.
func (a *Agent) flushMem(st *Setup) {
	for len(a.mem) > 0 {
		m := a.mem[0]
		dropped, err := st.Spool.Put(m.id, m.data)
		for _, d := range dropped {
			a.dropped++
			a.stats.Dropped++
			a.log.Warn().Str("report_id", d.ID).Int("max_reports", st.MaxReports).
				Msg("spool full: dropped the oldest undelivered report (counted in the next report's errors)")
		}
		if err != nil {
			a.log.Error().Err(err).Str("spool", st.Spool.Dir()).Str("report_id", m.id).Int("in_memory", len(a.mem)).
				Msg("cannot write the spool: keeping the report in memory and trying again")
			return
		}
		a.mem = a.mem[1:]
	}
}

// sendOne delivers one report and logs what happened.
func (a *Agent) sendOne(ctx context.Context, st *Setup, id string, data []byte, pending int) result {
	rc, err := st.Sender.Send(ctx, data)
	var rj *deliver.RejectedError
	var re *deliver.RetryError
	switch {
	case err == nil:
		a.credentialAccepted(st)
		a.stats.Delivered++
		a.log.Info().Str("report_id", id).Int("status", rc.Status).Bool("duplicate", rc.Duplicate).Msg("report delivered")
		return result{kind: sent}
	case ctx.Err() != nil:
		return result{kind: stopped}
	case errors.As(err, &rj):
		a.stats.Rejected++
		return result{kind: rejected, reason: fmt.Sprintf("HTTP %d: %s", rj.Status, rj.Reason)}
	}
	a.failures++
	a.stats.DeliveryFailures++
	a.lastErr = err
	var after time.Duration
	if errors.As(err, &re) {
		after = re.After
	}
	wait := a.backoff(after)
	if errors.As(err, &re) && (errors.Is(err, deliver.ErrAuth) || errors.Is(err, ErrEnrollment)) {
		a.credentialRefused(st, re, pending, wait)
		return result{kind: retry, retryIn: wait}
	}
	lvl := zerolog.WarnLevel
	if errors.Is(err, deliver.ErrURL) || errors.Is(err, deliver.ErrToken) {
		lvl = zerolog.ErrorLevel // a configuration problem: someone must act
	}
	a.log.WithLevel(lvl).Err(err).Str("url", st.URL).Str("report_id", id).Int("pending", pending).
		Int("attempt", a.failures).Stringer("retry_in", wait).Msg("delivery failed: the report is kept and sent later")
	return result{kind: retry, retryIn: wait}
}

// unreadable handles a spool file that could not be loaded.
func (a *Agent) unreadable(st *Setup, e spool.Entry, key string, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Delivered meanwhile by `demarc spool flush`.
	case errors.Is(err, spool.ErrUntrusted):
		a.stats.Untrusted++
		to, mvErr := st.Spool.Quarantine(e)
		if mvErr != nil {
			a.stuck[key] = true
			a.log.Error().Err(err).AnErr("move_error", mvErr).Str("file", key).
				Msg("spool file is not the agent's own and cannot be moved aside: skipped, never sent")
			return
		}
		a.log.Error().Err(err).Str("file", key).Str("moved_to", to).Msg("spool file is not the agent's own: moved aside, never sent")
	case errors.Is(err, spool.ErrCorrupt):
		a.stats.Corrupt++
		to, mvErr := st.Spool.Quarantine(e)
		if mvErr != nil {
			a.stuck[key] = true
			a.log.Error().Err(err).AnErr("move_error", mvErr).Str("file", key).
				Msg("spool file is corrupt or partial and cannot be moved aside: skipped, never sent")
			return
		}
		a.log.Error().Err(err).Str("file", key).Str("moved_to", to).Msg("spool file is corrupt or partial: moved aside, never sent")
	default:
		a.stuck[key] = true
		a.log.Error().Err(err).Str("file", key).Msg("cannot read a spool file: skipped until the agent restarts")
	}
}

func (a *Agent) logRejected(id, reason, keptIn string, err error) {
	if err != nil {
		a.log.Error().Str("report_id", id).Str("reason", reason).AnErr("keep_error", err).
			Msg("server refused the report, and it cannot be kept in rejected/: not retried")
		return
	}
	a.log.Error().Str("report_id", id).Str("reason", reason).Str("kept_in", keptIn).
		Msg("server refused the report: kept in rejected/ with the reason, not retried")
}

// backoff returns how long to wait before the next drain: the server's
// Retry-After when it gave one, else an exponential delay from
// BackoffInitial to BackoffMax, each with jitter.
func (a *Agent) backoff(after time.Duration) time.Duration {
	if after > 0 {
		return after + a.o.Rand(after/10+1)
	}
	d := a.o.BackoffInitial << min(max(a.failures-1, 0), 20)
	if d <= 0 || d > a.o.BackoffMax {
		d = a.o.BackoffMax
	}
	return d/2 + a.o.Rand(d/2+1)
}

// FlushResult is what one flush did.
type FlushResult struct {
	// Delivered, Rejected and Corrupt count reports sent, refused by the
	// server and moved aside (corrupt, or not the agent's own).
	Delivered, Rejected, Corrupt int64
	// Pending is what still waits in the spool.
	Pending int
	// Err is why the flush stopped early (the server could not be
	// reached), or nil.
	Err error
}

// ErrNoDelivery means the configuration has no report.url.
var ErrNoDelivery = errors.New("no report.url configured: nothing to flush")

// Flush drains the spool once, now, after waiting for the drain lock:
// what `demarc spool flush` does.
func Flush(ctx context.Context, st *Setup, log zerolog.Logger) (FlushResult, error) {
	if st.Sender == nil {
		return FlushResult{}, ErrNoDelivery
	}
	unlock, err := st.Spool.Lock(ctx)
	if err != nil {
		return FlushResult{}, err
	}
	defer unlock()
	a := New(Options{Log: log})
	if st.host != nil {
		st.host.log = log
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ev := a.drainLocked(ctx, st, func() (func(), error) { return func() {}, nil })
	res := FlushResult{Delivered: a.stats.Delivered, Rejected: a.stats.Rejected, Corrupt: a.stats.Corrupt + a.stats.Untrusted}
	if ev.retryIn > 0 {
		res.Err = a.lastErr
	}
	if ctx.Err() != nil {
		res.Err = ctx.Err()
	}
	es, err := st.Spool.List()
	if err != nil {
		return res, err
	}
	res.Pending = len(es)
	return res, nil
}
