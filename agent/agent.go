package agent

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/enroll"
	"github.com/demarc/demarc/agent/sdnotify"
	"github.com/demarc/demarc/agent/spool"
	"github.com/demarc/demarc/agent/textfile"
	"github.com/demarc/demarc/report"
)

// Defaults for Options.
const (
	DefaultBackoffInitial = 30 * time.Second
	DefaultBackoffMax     = 30 * time.Minute
	DefaultStopTimeout    = 10 * time.Second
	// maxMemoryReports bounds the reports held in memory while the spool
	// cannot be written.
	maxMemoryReports = 64
)

// ScanFunc runs one scan. It must return promptly once ctx is done.
type ScanFunc func(ctx context.Context) (*report.Report, error)

// Sender delivers one report; *deliver.Client is the real one.
type Sender interface {
	Send(ctx context.Context, report []byte) (deliver.Receipt, error)
	CloseIdle()
}

// Setup is everything one configuration asks of the agent. The agent
// builds a new one on every reload and keeps the old one if that fails.
type Setup struct {
	// Schedule says when scans run.
	Schedule cron.Schedule
	// Splay is the upper bound of the random delay added to each scheduled
	// run.
	Splay time.Duration
	// RunOnStart runs a scan as soon as the agent starts.
	RunOnStart bool
	// Scan runs one scan.
	Scan ScanFunc
	// Sender delivers reports; nil means no delivery (textfile only).
	Sender Sender
	// Spool keeps undelivered reports; set whenever Sender is.
	Spool *spool.Spool
	// MaxReports bounds the spool.
	MaxReports int
	// TextfileDir, when set, receives node_exporter metrics after each run.
	TextfileDir string
	// URL is where reports go, for logs.
	URL string
	// Warnings are configuration problems the agent runs with; logged at
	// start and on every reload.
	Warnings []error
	// State is the host's credential state (host key, host id); set
	// whenever Sender is the host-key sender FromConfig builds.
	State *enroll.Store
	// Lifecycle is the server's lifecycle data cached in state_dir, asked
	// for before each scan; set whenever Sender is. Scan judges with its
	// Dataset (nil: the built-in data).
	Lifecycle *LifecycleCache

	// host is that sender, to which the agent gives its logger.
	host *hostSender
}

// Options configures an Agent.
type Options struct {
	// Load builds the Setup; called at start and on every reload.
	Load func() (*Setup, error)
	// Log receives the agent's log lines.
	Log zerolog.Logger
	// Notify tells systemd about the agent's state; nil sends nothing.
	Notify *sdnotify.Notifier
	// Watchdog is how often to send WATCHDOG=1; 0 means never.
	Watchdog time.Duration
	// Version is the agent's version, for metrics.
	Version string
	// BackoffInitial and BackoffMax bound the delay before the spool is
	// drained again after a failed delivery (doubling, with jitter).
	BackoffInitial, BackoffMax time.Duration
	// StopTimeout bounds how long stopping waits for in-flight work.
	StopTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand returns a random duration in [0, n); nil means math/rand/v2.
	Rand func(n time.Duration) time.Duration
	// ReleaseMemory runs after every scan; nil means debug.FreeOSMemory,
	// which hands a scan's memory back to the OS so that the idle agent
	// stays small. A process hosting many agents (the fleet simulation)
	// sets a no-op: a forced collection per agent run would cost it more
	// than the agents' own work.
	ReleaseMemory func()
}

// Agent runs scans on a schedule and delivers their reports.
type Agent struct {
	o      Options
	log    zerolog.Logger
	events chan event

	scanning atomic.Bool
	skipped  atomic.Int64

	// mu guards the delivery state: only one enqueue or drain at a time.
	mu       sync.Mutex
	mem      []memReport     // reports the spool could not take, oldest first
	dropped  int             // dropped reports not yet told in a report
	failures int             // consecutive failed deliveries, for backoff
	stuck    map[string]bool // spool files that could be neither sent nor moved
	lastErr  error           // the last delivery failure
	cred     credState       // whether the server refuses the token
	stats    textfile.Stats
}

type memReport struct {
	id   string
	data []byte
}

// event tells the main loop what a run or drain left to do.
type event struct {
	// retryIn, when positive, is when to try delivering again.
	retryIn time.Duration
	// idle means nothing is waiting for delivery.
	idle bool
}

// New returns an agent; Run starts it.
func New(o Options) *Agent {
	if o.BackoffInitial <= 0 {
		o.BackoffInitial = DefaultBackoffInitial
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = DefaultBackoffMax
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ReleaseMemory == nil {
		o.ReleaseMemory = debug.FreeOSMemory
	}
	if o.Rand == nil {
		o.Rand = func(n time.Duration) time.Duration {
			if n <= 0 {
				return 0
			}
			return time.Duration(rand.Int64N(int64(n)))
		}
	}
	return &Agent{
		o: o, log: o.Log, events: make(chan event, 16),
		stuck: map[string]bool{}, stats: textfile.Stats{Version: o.Version},
	}
}

// ErrNoLoad means Options.Load is nil.
var ErrNoLoad = errors.New("agent: no configuration loader")

// Run loads the configuration and runs until ctx is done: scans on the
// schedule (never two at once), delivers, drains the spool on a backoff
// timer, and reloads the configuration whenever reload receives. A
// configuration that fails to load at start is returned; one that fails on
// reload is logged and the running one kept. Run returns nil after a clean
// stop.
func (a *Agent) Run(ctx context.Context, reload <-chan struct{}) error {
	if a.o.Load == nil {
		return ErrNoLoad
	}
	st, err := a.o.Load()
	if err != nil {
		return err
	}
	a.prepare(st, "agent started", true)
	var wg sync.WaitGroup
	l := newLoop(a, st)
	defer l.stop()
	a.notify(sdnotify.Ready, "STATUS=waiting for the next scan")
	for {
		select {
		case <-ctx.Done():
			a.shutdown(&wg)
			return nil
		case <-l.scanC():
			l.fire(ctx, &wg)
		case <-l.drainC():
			l.drain(ctx, &wg)
		case ev := <-a.events:
			l.handle(ev)
		case _, ok := <-reload:
			if !ok {
				reload = nil
				continue
			}
			l.reload()
		case <-l.watchdogC():
			a.notify(sdnotify.Watchdog)
		}
	}
}

// prepare readies a new Setup: logs its warnings and, when recover is
// set, recovers its spool (only for a directory no run of this agent may
// be writing to: a temporary file there would be taken for a crash's).
func (a *Agent) prepare(st *Setup, msg string, recover bool) {
	if st.host != nil {
		st.host.log = a.log
	}
	if st.Lifecycle != nil {
		st.Lifecycle.log = a.log
	}
	for _, w := range st.Warnings {
		a.log.Warn().Err(w).Msg("configuration warning")
	}
	ev := a.log.Info().Str("url", st.URL).Stringer("splay", st.Splay).Bool("run_on_start", st.RunOnStart)
	if st.Spool != nil {
		ev = ev.Str("spool", st.Spool.Dir()).Int("max_reports", st.MaxReports)
	}
	ev.Str("textfile_dir", st.TextfileDir).Msg(msg)
	if st.Spool == nil || !recover {
		return
	}
	rec, err := st.Spool.Recover()
	for _, t := range rec.Tightened {
		a.log.Warn().Str("dir", t.Path).Str("was", fmt.Sprintf("%04o", t.Was.Perm())).
			Msg("spool directory was writable by group or others: set to 0700; files in it that are not the agent's own are moved aside, never sent")
	}
	for _, f := range rec.Removed {
		a.log.Warn().Str("file", f).Msg("removed a partial spool file left by an interrupted write (the report it held was still in memory then)")
	}
	if err != nil {
		a.log.Error().Err(err).Str("spool", st.Spool.Dir()).Msg("spool directory unusable: reports are kept in memory until it is fixed")
	}
}

func (a *Agent) shutdown(wg *sync.WaitGroup) {
	a.notify(sdnotify.Stopping)
	a.log.Info().Msg("stopping")
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(a.o.StopTimeout):
		a.log.Warn().Stringer("waited", a.o.StopTimeout).Msg("stopping without waiting longer for the in-flight scan or delivery")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := len(a.mem); n > 0 {
		a.log.Error().Int("reports", n).Msg("stopping with reports the spool could not take: they are lost")
	}
}

func (a *Agent) notify(lines ...string) {
	if err := a.o.Notify.Send(lines...); err != nil {
		a.log.Debug().Err(err).Msg("sd_notify failed")
	}
}

// send passes an event to the main loop unless it is stopping.
func (a *Agent) send(ctx context.Context, ev event) {
	select {
	case a.events <- ev:
	case <-ctx.Done():
	}
}
