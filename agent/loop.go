package agent

import (
	"context"
	"sync"
	"time"

	"github.com/demarc/demarc/agent/sdnotify"
)

// startDrainJitter bounds the delay of the first drain after start or
// reload, when reports are already waiting.
const startDrainJitter = 5 * time.Second

// loop is the main goroutine's state: the running Setup and its timers.
// Only Run's goroutine touches it.
type loop struct {
	a      *Agent
	st     *Setup
	scanT  *time.Timer
	drainT *time.Timer
	wd     *time.Ticker
}

func newLoop(a *Agent, st *Setup) *loop {
	l := &loop{a: a, st: st, scanT: time.NewTimer(time.Hour), drainT: time.NewTimer(time.Hour)}
	l.scanT.Stop()
	l.drainT.Stop()
	if st.RunOnStart {
		l.scanT.Reset(0)
	} else {
		l.schedule(a.o.Now())
		l.drainIfPending()
	}
	if a.o.Watchdog > 0 {
		l.wd = time.NewTicker(a.o.Watchdog)
	}
	return l
}

func (l *loop) stop() {
	l.scanT.Stop()
	l.drainT.Stop()
	if l.wd != nil {
		l.wd.Stop()
	}
}

func (l *loop) scanC() <-chan time.Time  { return l.scanT.C }
func (l *loop) drainC() <-chan time.Time { return l.drainT.C }

func (l *loop) watchdogC() <-chan time.Time {
	if l.wd == nil {
		return nil
	}
	return l.wd.C
}

// schedule arms the scan timer for the schedule's next time after t, plus
// a random splay.
func (l *loop) schedule(t time.Time) {
	base := l.st.Schedule.Next(t)
	if base.IsZero() {
		l.a.log.Warn().Msg("the schedule never fires: no scans will run")
		return
	}
	at := base.Add(l.a.o.Rand(l.st.Splay))
	l.scanT.Reset(at.Sub(l.a.o.Now()))
	l.a.log.Debug().Time("at", at).Msg("next scan")
}

// fire starts a scheduled scan, unless one is still running.
func (l *loop) fire(ctx context.Context, wg *sync.WaitGroup) {
	l.schedule(l.a.o.Now())
	if !l.a.scanning.CompareAndSwap(false, true) {
		n := l.a.skipped.Add(1)
		l.a.log.Warn().Int64("skipped_total", n).Msg("scan skipped: the previous scan is still running")
		return
	}
	st := l.st
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer l.a.scanning.Store(false)
		l.a.run(ctx, st)
	}()
}

// drain starts a drain of the spool (the backoff timer fired).
func (l *loop) drain(ctx context.Context, wg *sync.WaitGroup) {
	if l.st.Sender == nil {
		return
	}
	st := l.st
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.a.send(ctx, l.a.drainNow(ctx, st))
	}()
}

// handle arms or stops the drain timer as a run or drain asks.
func (l *loop) handle(ev event) {
	switch {
	case ev.retryIn > 0:
		l.drainT.Reset(ev.retryIn)
	case ev.idle:
		l.drainT.Stop()
	}
}

// reload builds a new Setup from the configuration; when that fails the
// running one stays.
func (l *loop) reload() {
	a := l.a
	if err := a.o.Notify.Reload(); err != nil {
		a.log.Debug().Err(err).Msg("sd_notify failed")
	}
	defer a.notify(sdnotify.Ready)
	st, err := a.o.Load()
	if err != nil {
		a.log.Error().Err(err).Msg("configuration reload rejected: keeping the running configuration")
		return
	}
	sameSpool := l.st.Spool != nil && st.Spool != nil && l.st.Spool.Dir() == st.Spool.Dir()
	a.prepare(st, "configuration reloaded", !sameSpool)
	l.st = st
	l.schedule(a.o.Now())
	l.drainIfPending()
}

// drainIfPending drains soon when reports already wait in the spool.
func (l *loop) drainIfPending() {
	if l.st.Spool == nil {
		return
	}
	if es, err := l.st.Spool.List(); err == nil && len(es) > 0 {
		l.drainT.Reset(l.a.o.Rand(startDrainJitter) + time.Millisecond)
	}
}
