package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/demarc/demarc/bench/faultproxy"
)

// fleet is one simulation's moving parts.
type fleet struct {
	cfg                  Config
	out                  io.Writer
	dir, repo            string
	demarcBin, serverBin string
	srv                  *server
	proxy                *faultproxy.Proxy
	inprocs              []*inproc
	procs                []*proc
	all                  []member
	wins                 windows
	lat                  samples
	scr                  *scraper
	closers              []func() error
	res                  *Result
}

// Run runs one simulation and returns its figures; an error means the
// simulation itself could not run.
func Run(ctx context.Context, cfg Config, out io.Writer) (*Result, error) {
	f := &fleet{cfg: cfg, out: out, res: &Result{Config: cfg}}
	defer f.close()
	if err := f.prepare(ctx); err != nil {
		return nil, err
	}
	if err := f.simulate(ctx); err != nil {
		f.stopAll()
		return nil, err
	}
	if err := f.finish(ctx); err != nil {
		return nil, err
	}
	f.res.print(out)
	fmt.Fprintf(out, "load average at the end: %s", loadavg())
	if f.res.OK() && !cfg.Keep && cfg.Dir == "" {
		_ = os.RemoveAll(f.dir)
	} else {
		fmt.Fprintf(out, "run directory kept: %s (server.log, agents.log, agents/*/agent.log)\n", f.dir)
	}
	return f.res, nil
}

func (f *fleet) close() {
	if f.scr != nil {
		f.scr.stop()
	}
	if f.srv != nil {
		f.srv.signal(syscall.SIGKILL)
	}
	if f.proxy != nil {
		f.proxy.Close()
	}
	for i := len(f.closers) - 1; i >= 0; i-- {
		_ = f.closers[i]()
	}
}

// prepare builds the binaries, the database, the server, the proxy and
// the agents.
func (f *fleet) prepare(ctx context.Context) error {
	var err error
	if f.repo, err = repoRoot(); err != nil {
		return err
	}
	f.dir = f.cfg.Dir
	if f.dir == "" {
		f.dir, err = os.MkdirTemp("", "demarc-fleet-")
	} else if err = os.MkdirAll(f.dir, 0o700); err == nil {
		// A previous run's spools and database would be counted again.
		if es, _ := os.ReadDir(f.dir); len(es) > 0 {
			err = fmt.Errorf("run directory %s is not empty", f.dir)
		}
	}
	if err != nil {
		return err
	}
	if err := f.binaries(ctx); err != nil {
		return err
	}
	dsn, cleanup, err := database(ctx, f.cfg.DB, f.dir)
	if err != nil {
		return err
	}
	f.closers = append(f.closers, func() error { cleanup(); return nil })
	f.res.dsn = dsn
	if f.srv, err = newServer(f.serverBin, f.dir, dsn, f.cfg.KeyRotation); err != nil {
		return err
	}
	secrets := make([]string, max(f.cfg.Tenants, 1))
	for i := range secrets {
		if secrets[i], err = f.srv.enrollSecret(tenantName(i)); err != nil {
			return err
		}
	}
	if f.cfg.Nice > 0 {
		if err := renice(0, f.cfg.Nice); err != nil {
			return fmt.Errorf("nice %d: %w (run without -nice, or as root)", f.cfg.Nice, err)
		}
		f.srv.nice = true
	}
	if err := f.srv.start(); err != nil {
		return err
	}
	if f.proxy, err = faultproxy.Listen("127.0.0.1:0", f.srv.address()); err != nil {
		return err
	}
	return f.members("http://"+f.proxy.Addr()+"/api/v1/reports", secrets)
}

// binaries builds demarc and demarc-server unless given.
func (f *fleet) binaries(ctx context.Context) error {
	build := func(pkg, name string) (string, error) {
		bin := filepath.Join(f.dir, "bin", name)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
		cmd.Dir = f.repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
		}
		return bin, nil
	}
	var err error
	if f.demarcBin = f.cfg.DemarcBin; f.demarcBin == "" {
		if f.demarcBin, err = build("./cmd/demarc", "demarc"); err != nil {
			return err
		}
	}
	if f.serverBin = f.cfg.ServerBin; f.serverBin == "" {
		f.serverBin, err = build("./cmd/demarc-server", "demarc-server")
	}
	return err
}

// repoRoot finds the module's root from the working directory.
func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("not inside the demarc module (no go.mod above the working directory)")
		}
		d = parent
	}
}

// simulate runs the fleet: warm-up, faults, recovery, a clean tail.
func (f *fleet) simulate(ctx context.Context) error {
	c := f.cfg
	fmt.Fprintf(f.out, "fleet: %d in-process agents (%d scanning fixture hosts, %d sending generated reports) and %d `demarc agent` processes, every %s, %d tenants; demarc-server on %s, proxy %s, run directory %s\n",
		c.Agents, min(c.FixtureAgents, c.Agents), max(c.Agents-c.FixtureAgents, 0), c.Procs, c.Every, c.Tenants, f.srv.dbKind(), f.proxy.Addr(), f.dir)
	if c.Nice > 0 {
		fmt.Fprintf(f.out, "agents run at nice %d, demarc-server at 0\n", c.Nice)
	}
	faults := plan(c.Cycles, c.Cycle)
	printPlan(f.out, faults)
	fmt.Fprintf(f.out, "load average at the start (the machine may be shared): %s", loadavg())
	f.scr = &scraper{url: f.srv.metricsURL, pid: f.srv.pid, wins: &f.wins}
	f.scr.start()
	if c.CPUProfile != "" {
		pf, err := os.Create(c.CPUProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			pf.Close()
			return err
		}
		f.closers = append(f.closers, func() error { pprof.StopCPUProfile(); return pf.Close() })
	}
	f.res.start = time.Now()
	for i, m := range f.all {
		// Spread the starts over one period, as a fleet's clocks are.
		if err := sleep(ctx, c.Every/time.Duration(len(f.all))); err != nil {
			return err
		}
		if err := m.start(); err != nil {
			return fmt.Errorf("start agent %d: %w", i, err)
		}
	}
	if err := sleep(ctx, c.Warmup); err != nil {
		return err
	}
	if err := f.inject(ctx, faults); err != nil {
		return err
	}
	last := f.wins.last()
	fmt.Fprintf(f.out, "faults over at %.1fs; waiting for every report made before then\n", last.Sub(f.res.faultsStart).Seconds())
	f.res.Recovery, f.res.Recovered = f.recover(ctx, last)
	return sleep(ctx, c.Tail)
}

// recover waits until every report made before last is acknowledged and
// returns how long after last the final one was.
func (f *fleet) recover(ctx context.Context, last time.Time) (time.Duration, bool) {
	deadline := last.Add(f.cfg.RecoveryLimit)
	for {
		waiting, latest := 0, last
		for _, m := range f.all {
			n, t := m.ledger().waiting(last)
			waiting += n
			if t.After(latest) {
				latest = t
			}
		}
		if waiting == 0 {
			return latest.Sub(last), true
		}
		if time.Now().After(deadline) || sleep(ctx, 250*time.Millisecond) != nil {
			f.res.note("%d reports made before the last fault were not delivered within %s of it", waiting, f.cfg.RecoveryLimit)
			return time.Since(last), false
		}
	}
}

// finish stops the agents, flushes what they still hold with `demarc
// spool flush` (agent.Flush in process), asks the server whether it still
// accepts every agent's key, stops the server and accounts.
func (f *fleet) finish(ctx context.Context) error {
	f.stopAll()
	for _, m := range f.all {
		s, err := readSpool(m.spool())
		if err != nil {
			return err
		}
		f.res.SpooledAtStop += len(s.pending)
	}
	forEach(f.all, 16, func(m member) {
		if err := m.flush(ctx); err != nil {
			f.res.note("%s: flush: %v", m.ledger().host, err)
		}
	})
	f.identify(ctx)
	f.scr.stop()
	f.res.KeysIssued = f.scr.keysIssued()
	f.srv.signal(syscall.SIGTERM)
	f.res.Proxy = f.proxy.Stats()
	f.res.ServerClean, f.res.ServerSteady, f.res.ServerFault, f.res.OthersCPU = f.scr.classify()
	if err := f.scr.writeCSV(filepath.Join(f.dir, "latency.csv"), f.res.faultsStart); err != nil {
		return err
	}
	f.res.AgentClean, f.res.AgentAll, f.res.AgentCleanN, f.res.AgentAllN = f.lat.split(&f.wins)
	f.res.Windows = f.wins.all()
	return f.account(ctx)
}

// stopAll stops every agent as SIGTERM does, all at once.
func (f *fleet) stopAll() { forEach(f.all, len(f.all), func(m member) { m.stop() }) }

// forEach runs fn on every member, n at a time.
func forEach(ms []member, n int, fn func(member)) {
	sem := make(chan struct{}, max(n, 1))
	var wg sync.WaitGroup
	for _, m := range ms {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(m)
		})
	}
	wg.Wait()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown\n"
	}
	return string(b)
}
