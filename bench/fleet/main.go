// Command fleet simulates a fleet of demarc agents reporting to one
// demarc-server through a bad network and crashes, then accounts for every
// report: none acknowledged and lost, none stored twice, every spooled
// report delivered once the faults end, each host's latest state its last
// report. It exits 1 on any discrepancy. See docs/RELIABILITY.md.
//
//	go run ./bench/fleet                  # the short configuration (CI runs it as TestFleetShort)
//	go run ./bench/fleet -long            # 1,000 agents every 5 s, three cycles of faults
//	go run ./bench/fleet -long -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"syscall"
	"time"
)

// Config is one simulation.
type Config struct {
	// Agents is the number of in-process agents; FixtureAgents of them
	// scan fixture hosts, the others send generated reports.
	Agents, FixtureAgents int
	// Procs is the number of real `demarc agent` processes.
	Procs int
	// Every is the agents' schedule (@every), Splay its random delay,
	// Timeout their report.timeout.
	Every, Splay, Timeout time.Duration
	// Warmup runs clean before the faults; Cycles cycles of faults of
	// length Cycle follow; KillShare of the in-process agents (and half of
	// the processes) are killed in each cycle.
	Warmup, Cycle time.Duration
	Cycles        int
	KillShare     float64
	// RecoveryLimit bounds the wait, after the last fault, for every report
	// made before it to be acknowledged; Tail runs clean after that.
	RecoveryLimit, Tail time.Duration
	// Tenants spread the agents (one enroll secret each).
	Tenants int
	// KeyRotation is the server's key_rotation: a host key older than
	// this is replaced in the answer to the host's next report. A few
	// seconds make every host rotate several times during the run.
	KeyRotation time.Duration
	// DB is "sqlite" or a postgres:// URL (a schema of its own is made).
	DB string
	// Dir holds everything of the run ("" for a temporary directory,
	// removed after a passing run); Keep keeps it.
	Dir  string
	Keep bool
	// DemarcBin and ServerBin are the binaries ("" builds them).
	DemarcBin, ServerBin string
	// Seed makes the generated hosts reproducible.
	Seed uint64
	// Nice, when positive, runs the simulated agents (this process and
	// the agent processes) at that nice value and keeps the server at 0:
	// on a shared machine the agents, which stand for other machines,
	// then yield the CPU to the server. It needs root.
	Nice int
	// CPUProfile, when set, receives a CPU profile of this process (the
	// in-process agents, the proxy and the accountant).
	CPUProfile string
}

// Short is the configuration CI runs (TestFleetShort): about a minute.
func Short() Config {
	return Config{
		Agents: 40, FixtureAgents: 8, Procs: 2,
		Every: 2 * time.Second, Splay: time.Second, Timeout: 3 * time.Second,
		Warmup: 4 * time.Second, Cycle: 30 * time.Second, Cycles: 1, KillShare: 0.25,
		RecoveryLimit: 45 * time.Second, Tail: 4 * time.Second, Tenants: 2, KeyRotation: 4 * time.Second,
		DB: "sqlite", Seed: 1,
	}
}

// Long is the documented long run: 1,000 agents every 5 s.
func Long() Config {
	return Config{
		Agents: 1000, FixtureAgents: 28, Procs: 4,
		Every: 5 * time.Second, Splay: 2 * time.Second, Timeout: 5 * time.Second,
		Warmup: 30 * time.Second, Cycle: 60 * time.Second, Cycles: 3, KillShare: 0.1,
		RecoveryLimit: 120 * time.Second, Tail: 30 * time.Second, Tenants: 4, KeyRotation: 15 * time.Second,
		DB: "sqlite", Seed: 1, Nice: 10,
	}
}

func main() {
	// The preset comes first so that every other flag overrides it.
	cfg := Short()
	if slices.Contains(os.Args[1:], "-long") || slices.Contains(os.Args[1:], "--long") {
		cfg = Long()
	}
	flag.Bool("long", false, "the long configuration (1,000 agents, three cycles of faults)")
	bind(flag.CommandLine, &cfg)
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		// A thousand agents allocate a report each every few seconds:
		// collect less often, leaving the CPU to the server.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := Run(ctx, cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(2)
	}
	if !res.OK() {
		os.Exit(1)
	}
}

// bind defines a flag for every field of c, defaulting to its value.
func bind(fs *flag.FlagSet, c *Config) {
	fs.IntVar(&c.Agents, "agents", c.Agents, "in-process agents")
	fs.IntVar(&c.FixtureAgents, "fixture-agents", c.FixtureAgents, "in-process agents that scan fixture hosts (the rest send generated reports)")
	fs.IntVar(&c.Procs, "procs", c.Procs, "real `demarc agent` processes")
	fs.DurationVar(&c.Every, "every", c.Every, "agent schedule (@every)")
	fs.DurationVar(&c.Splay, "splay", c.Splay, "agent splay")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, "agent report.timeout")
	fs.DurationVar(&c.Warmup, "warmup", c.Warmup, "clean run before the faults")
	fs.DurationVar(&c.Cycle, "cycle", c.Cycle, "length of one cycle of faults")
	fs.IntVar(&c.Cycles, "cycles", c.Cycles, "cycles of faults")
	fs.Float64Var(&c.KillShare, "kill-share", c.KillShare, "share of in-process agents killed per cycle")
	fs.DurationVar(&c.RecoveryLimit, "recovery-limit", c.RecoveryLimit, "longest wait for recovery after the last fault")
	fs.DurationVar(&c.Tail, "tail", c.Tail, "clean run after recovery")
	fs.IntVar(&c.Tenants, "tenants", c.Tenants, "tenants")
	fs.DurationVar(&c.KeyRotation, "key-rotation", c.KeyRotation, "the server's key_rotation (host keys older than this are replaced)")
	fs.StringVar(&c.DB, "db", c.DB, "sqlite, or a postgres:// URL")
	fs.StringVar(&c.Dir, "dir", c.Dir, "directory for the run (default: a temporary one)")
	fs.BoolVar(&c.Keep, "keep", c.Keep, "keep the run's directory")
	fs.StringVar(&c.DemarcBin, "demarc", c.DemarcBin, "demarc binary (default: build it)")
	fs.StringVar(&c.ServerBin, "demarc-server", c.ServerBin, "demarc-server binary (default: build it)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the generated hosts")
	fs.IntVar(&c.Nice, "nice", c.Nice, "nice value of the simulated agents (the server stays at 0; needs root)")
	fs.StringVar(&c.CPUProfile, "cpuprofile", c.CPUProfile, "write a CPU profile of this process (the in-process agents) to this file")
}
