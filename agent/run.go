package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/textfile"
	"github.com/demarc/demarc/report"
)

// agentCollector names the agent in a report's errors.
const agentCollector = "agent"

// run scans once and delivers the report.
func (a *Agent) run(ctx context.Context, st *Setup) {
	// A scan allocates a lot once; give it back to the OS so the idle
	// agent stays small between scans.
	defer a.o.ReleaseMemory()
	// The server's newest lifecycle data judges this scan.
	st.Lifecycle.Refresh(ctx)
	a.notify("STATUS=scanning")
	start := a.o.Now()
	r, err := st.Scan(ctx)
	dur := a.o.Now().Sub(start)
	if err != nil {
		if ctx.Err() != nil {
			a.log.Info().Int64("duration_ms", dur.Milliseconds()).Msg("scan cancelled: the agent is stopping")
			return
		}
		a.log.Error().Err(err).Int64("duration_ms", dur.Milliseconds()).Msg("scan failed")
		a.mu.Lock()
		a.recordScan(nil, dur)
		a.writeMetrics(st)
		a.mu.Unlock()
		return
	}
	a.logScan(r, dur)
	a.send(ctx, a.deliver(ctx, st, r, dur))
	a.notify("STATUS=waiting for the next scan")
}

// logScan writes the one line per scan.
func (a *Agent) logScan(r *report.Report, dur time.Duration) {
	counts := func(c report.Counts) *zerolog.Event {
		return zerolog.Dict().Int("critical", c.Critical).Int("high", c.High).Int("medium", c.Medium).
			Int("low", c.Low).Int("info", c.Info)
	}
	a.log.Info().Str("report_id", r.ReportID).Int64("duration_ms", dur.Milliseconds()).
		Int("components", len(r.Components)).Int("findings", len(r.Findings)).
		Dict("provider", counts(r.Summary.Provider)).Dict("customer", counts(r.Summary.Customer)).
		Int("errors", len(r.Errors)).Msg("scan done")
}

// deliver queues a new report behind those already waiting and drains.
// The count of reports dropped since the last report goes into this one's
// errors, so the server sees the loss.
func (a *Agent) deliver(ctx context.Context, st *Setup, r *report.Report, dur time.Duration) event {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dropped > 0 {
		r.Errors = append(r.Errors, report.CollectorError{Collector: agentCollector, Error: fmt.Sprintf(
			"%d undelivered report(s) dropped before this one because the spool was full (max_reports %d)", a.dropped, st.MaxReports)})
		a.dropped = 0
	}
	a.recordScan(r, dur)
	defer a.writeMetrics(st)
	if st.Sender == nil {
		return event{idle: true}
	}
	data, err := json.Marshal(r)
	if err != nil {
		a.log.Error().Err(err).Str("report_id", r.ReportID).Msg("cannot encode the report")
		return event{}
	}
	a.mem = append(a.mem, memReport{id: r.ReportID, data: data})
	if len(a.mem) > maxMemoryReports {
		a.log.Error().Str("report_id", a.mem[0].id).Int("in_memory", maxMemoryReports).
			Msg("the spool cannot be written and the memory queue is full: dropped the oldest report")
		a.mem = a.mem[1:]
		a.dropped++
		a.stats.Dropped++
	}
	return a.drainLocked(ctx, st, st.Spool.TryLock)
}

// drainNow drains the spool (the backoff timer fired).
func (a *Agent) drainNow(ctx context.Context, st *Setup) event {
	a.mu.Lock()
	defer a.mu.Unlock()
	defer a.writeMetrics(st)
	return a.drainLocked(ctx, st, st.Spool.TryLock)
}

// recordScan keeps what the metrics need of a scan. Called with mu held.
func (a *Agent) recordScan(r *report.Report, dur time.Duration) {
	a.stats.LastScan = a.o.Now()
	a.stats.ScanDuration = dur
	a.stats.LastScanOK = r != nil
	if r != nil {
		a.stats.Report = r
	}
}

// writeMetrics writes the textfile, when configured. Called with mu held.
func (a *Agent) writeMetrics(st *Setup) {
	if st.TextfileDir == "" {
		return
	}
	s := a.stats
	s.SkippedScans = a.skipped.Load()
	s.CredentialStatus, s.CredentialReason = a.cred.status, a.cred.code
	s.MemoryReports = len(a.mem)
	if st.host != nil {
		s.Enrollment = string(st.host.state())
	}
	if st.Spool != nil {
		if es, err := st.Spool.List(); err == nil {
			s.SpoolReports = len(es)
		}
	}
	if err := textfile.Write(st.TextfileDir, s); err != nil {
		a.log.Warn().Err(err).Msg("cannot write the metrics textfile")
	}
}
