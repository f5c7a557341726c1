package scan

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/internal/reportid"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
)

// DefaultCollectorTimeout bounds each collector when the configuration sets
// no timeout. The package manager's own query is the slowest part of a scan.
const DefaultCollectorTimeout = 2 * time.Minute

// Options configures one scan.
type Options struct {
	// Root is the host's root ("/" for the running system).
	Root hostfs.Root
	// Runner runs external commands; nil means the real one.
	Runner execx.Runner
	// Log receives debug detail and one line per failed collector.
	Log zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// At is the date lifecycle is evaluated for; zero means the scan date.
	At time.Time
	// Profile is the host's service profile.
	Profile report.Profile
	// HostID, when set, overrides the observed host id.
	HostID string
	// Only limits the scan to the named collectors; empty means all.
	Only []string
	// Collectors configures individual collectors.
	Collectors config.CollectorsConfig
	// Engine judges the observations.
	Engine *rules.Engine
	// AgentName and AgentVersion identify the program in the report.
	AgentName, AgentVersion string
	// Live, when set, makes the collectors treat Root as a running host
	// with these live-only facts (a fixture host or the fleet simulation's
	// hosts: all.Simulated.Facts); otherwise only the root "/" is, with
	// the scanning machine's own (collectors.System).
	Live collectors.LiveFacts

	// registry, when set, replaces the built-in collector list: set by
	// this package's tests, and by WithCollectors in a build with the
	// demarctest tag (the agent's end-to-end tests). A normal build has
	// no way to swap the collectors.
	registry func(collectors.Deps, config.CollectorsConfig) []collectors.Collector
}

// ErrUnknownCollector is returned when Options.Only names a collector that
// does not exist.
var ErrUnknownCollector = errors.New("unknown collector")

// outcome is one collector's run.
type outcome struct {
	name string
	res  collectors.Result
	err  error
	dur  time.Duration
}

// Run scans the host once: every collector concurrently, each bounded by
// its timeout and shielded from the others' panics, then the rules, then
// the report. It fails only on a programming or configuration error; a
// collector's failure is an entry in the report's errors.
func Run(ctx context.Context, o Options) (*report.Report, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Runner == nil {
		o.Runner = execx.Exec{}
	}
	if o.Engine == nil {
		return nil, errors.New("scan: no rules engine")
	}
	if o.Root.Dir() == "" {
		o.Root = hostfs.Live()
	}
	start := o.Now()
	registry := o.registry
	if registry == nil {
		registry = registryOf
	}
	deps := collectors.Deps{Root: o.Root, Run: o.Runner, Log: o.Log, Now: o.Now, Packages: pkgdb.NewCache(o.Root, o.Runner),
		Live: liveFacts(o)}
	registered := registry(deps, o.Collectors)
	list, err := selectCollectors(registered, o.Only)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(o.Collectors.Timeout)
	if timeout <= 0 {
		timeout = DefaultCollectorTimeout
	}

	outcomes := make([]outcome, len(list))
	var wg sync.WaitGroup
	for i, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = runOne(ctx, c, timeout)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}

	r := &report.Report{
		Schema:     report.Schema,
		ReportID:   reportid.New(start),
		Agent:      report.Agent{Name: o.AgentName, Version: o.AgentVersion},
		ScannedAt:  start.UTC().Truncate(time.Second),
		Profile:    o.Profile,
		Components: []report.Component{},
		Errors:     []report.CollectorError{},
	}
	r.Collectors = collectorRuns(registered, outcomes)
	for _, oc := range outcomes {
		merge(r, oc)
		if oc.err != nil {
			// The log has the whole error (a panic's stack too); the report
			// a clipped text.
			e := o.Log.Warn().Str("collector", oc.name).Dur("duration", oc.dur).Err(oc.err)
			var pe *panicError
			if errors.As(oc.err, &pe) {
				e = e.Bytes("stack", pe.stack)
			}
			e.Msg("collector failed")
		} else {
			o.Log.Debug().Str("collector", oc.name).Dur("duration", oc.dur).Int("components", len(oc.res.Components)).Msg("collector done")
		}
	}
	if o.HostID != "" {
		r.Host.HostID = o.HostID
	}
	sortComponents(r.Components)

	at := o.At
	if at.IsZero() {
		at = start
	}
	r.EvaluatedAt = at.UTC().Format(time.DateOnly)
	out := o.Engine.Evaluate(rules.Input{
		Host: r.Host, Profile: r.Profile, Components: r.Components, Updates: r.Updates, At: at,
	})
	r.Findings = out.Findings
	if r.Findings == nil {
		r.Findings = []report.Finding{}
	}
	r.Notes = append(r.Notes, out.Notes...)
	r.Lifecycle = out.Lifecycle
	r.Summary = report.Summarize(r.Findings)
	r.DurationMS = o.Now().Sub(start).Milliseconds()
	// The scan checks its own report against the contract before anyone
	// sends it: a report the server would refuse says so here, once.
	// (A partial scan, --only without osinfo, has no host name: it is for
	// reading, not for sending.)
	if err := report.ValidateAt(r, o.Now()); err != nil {
		o.Log.Error().Err(err).Msg("the report breaks schema v1; demarc-server would refuse it")
	}
	return r, nil
}

// liveFacts is the scanned host's live-only facts: Options.Live when set,
// the scanning machine's own for the root "/", none for any other root (an
// image, a mounted disk).
func liveFacts(o Options) collectors.LiveFacts {
	switch {
	case o.Live != nil:
		return o.Live
	case o.Root.IsSlash():
		return collectors.System()
	}
	return nil
}

// errTimedOut is a collector abandoned at its timeout.
var errTimedOut = errors.New("timed out")

// collectorRuns says how every collector of the registry ended, in
// registry order: one left out by --only did not run.
func collectorRuns(registered []collectors.Collector, outcomes []outcome) []report.CollectorRun {
	ran := make(map[string]outcome, len(outcomes))
	for _, oc := range outcomes {
		ran[oc.name] = oc
	}
	out := make([]report.CollectorRun, 0, len(registered))
	for _, c := range registered {
		oc, ok := ran[c.Name()]
		if !ok {
			out = append(out, report.CollectorRun{Name: c.Name(), Status: report.CollectorNotRun})
			continue
		}
		out = append(out, report.CollectorRun{Name: oc.name, Status: status(oc), DurationMS: oc.dur.Milliseconds()})
	}
	return out
}

// status is how a collector's run ended. A collector that returned its
// result with errors in it (one command of several failed, the package
// database could not be read) is partial, not ok: what it reports is
// true, but it may have missed something, so a gap it no longer reports
// is not known to be fixed.
func status(oc outcome) report.CollectorStatus {
	switch {
	case oc.err == nil && len(oc.res.Errors) == 0:
		return report.CollectorOK
	case oc.err == nil:
		return report.CollectorPartial
	case errors.Is(oc.err, errTimedOut), errors.Is(oc.err, context.DeadlineExceeded):
		return report.CollectorTimedOut
	case errors.Is(oc.err, collectors.ErrNotApplicable):
		return report.CollectorNotRun
	}
	return report.CollectorFailed
}

// panicError is a collector's panic: its value for the report, its stack
// for the log.
type panicError struct {
	value string
	stack []byte
}

func (e *panicError) Error() string { return "panic: " + e.value }

func selectCollectors(list []collectors.Collector, only []string) ([]collectors.Collector, error) {
	if len(only) == 0 {
		return list, nil
	}
	var names []string
	for _, c := range list {
		names = append(names, c.Name())
	}
	var out []collectors.Collector
	for _, n := range only {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownCollector, n, strings.Join(names, ", "))
		}
	}
	for _, c := range list {
		if slices.Contains(only, c.Name()) {
			out = append(out, c)
		}
	}
	return out, nil
}

// runOne runs a collector under its timeout, turning a panic into an error
// so that one broken collector never takes the scan down.
func runOne(ctx context.Context, c collectors.Collector, timeout time.Duration) (oc outcome) {
	oc.name = c.Name()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	defer func() { oc.dur = time.Since(start) }()
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o.err = &panicError{value: fmt.Sprint(p), stack: debug.Stack()}
			}
			done <- o
		}()
		o.res, o.err = c.Collect(ctx)
	}()
	select {
	case o := <-done:
		oc.res, oc.err = o.res, o.err
	case <-ctx.Done():
		// A collector that ignores its context is abandoned, not waited
		// for: the scan must finish.
		oc.err = fmt.Errorf("%w after %s", errTimedOut, timeout)
	}
	return oc
}

func merge(r *report.Report, oc outcome) {
	collectors.MergeHost(&r.Host, oc.res.Host)
	r.Components = append(r.Components, oc.res.Components...)
	if oc.res.Updates != nil {
		r.Updates = oc.res.Updates
	}
	for _, n := range oc.res.Notes {
		r.Notes = append(r.Notes, report.Note{Collector: oc.name, Message: report.ClipText(n, report.MaxText)})
	}
	for _, e := range oc.res.Errors {
		r.Errors = append(r.Errors, report.CollectorError{Collector: oc.name, Error: report.ClipText(e.Error(), report.MaxText)})
	}
	if oc.err != nil {
		r.Errors = append(r.Errors, report.CollectorError{Collector: oc.name, Error: report.ClipText(oc.err.Error(), report.MaxText)})
	}
}

func sortComponents(cs []report.Component) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Layer != b.Layer {
			return a.Layer < b.Layer
		}
		if a.Product != b.Product {
			return a.Product < b.Product
		}
		return a.Version < b.Version
	})
}
