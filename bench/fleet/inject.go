package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"syscall"
	"time"

	"github.com/demarc/demarc/bench/faultproxy"
)

// step is one moment of the fault plan.
type step struct {
	at time.Duration
	do func() error
}

// inject carries out the plan, from now.
func (f *fleet) inject(ctx context.Context, faults []fault) error {
	var steps []step
	round := 0
	for _, ft := range faults {
		var start time.Time
		var victims []member
		switch ft.kind {
		case faultNetwork:
			steps = append(steps,
				step{ft.start, func() error { start = time.Now(); f.proxy.SetMode(ft.mode); return nil }},
				step{ft.end, func() error {
					f.proxy.SetMode(faultproxy.Mode{Name: "pass"})
					f.wins.add(ft.kind, ft.mode.Name, start, time.Now())
					f.res.NetworkFaults++
					return nil
				}})
		case faultServerKill:
			steps = append(steps,
				step{ft.start, func() error { start = time.Now(); f.srv.signal(syscall.SIGKILL); f.res.ServerKills++; return nil }},
				step{ft.end, func() error {
					if err := f.srv.start(); err != nil {
						return fmt.Errorf("restart demarc-server: %w", err)
					}
					f.proxy.SetUpstream(f.srv.address())
					f.wins.add(ft.kind, "demarc-server SIGKILLed, restarted on the same database", start, time.Now())
					return nil
				}})
		case faultAgentKill:
			r := round
			round++
			steps = append(steps,
				step{ft.start, func() error { start = time.Now(); victims = f.kill(r); return nil }},
				step{ft.end, func() error {
					for _, m := range victims {
						m.ledger().restarted()
						if err := m.start(); err != nil {
							return fmt.Errorf("restart agent %s: %w", m.ledger().host, err)
						}
					}
					f.wins.add(ft.kind, fmt.Sprintf("%d agents killed mid-spool, restarted on their spools", len(victims)), start, time.Now())
					return nil
				}})
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at < steps[j].at })
	t0 := time.Now()
	f.res.faultsStart = t0
	for _, s := range steps {
		if err := sleep(ctx, time.Until(t0.Add(s.at))); err != nil {
			return err
		}
		if err := s.do(); err != nil {
			return err
		}
	}
	return nil
}

// kill kills a share of the in-process agents (abruptly) and half of the
// processes (SIGKILL), all at once, and records what each had made but
// neither delivered nor spooled.
func (f *fleet) kill(round int) []member {
	rng := rand.New(rand.NewPCG(f.cfg.Seed, uint64(round)))
	var victims []member
	n := int(float64(len(f.inprocs))*f.cfg.KillShare + 0.999)
	for _, i := range rng.Perm(len(f.inprocs))[:min(n, len(f.inprocs))] {
		victims = append(victims, f.inprocs[i])
		f.res.InprocKills++
	}
	for j, p := range f.procs {
		if (j+round)%2 == 0 {
			victims = append(victims, p)
			f.res.ProcKills++
		}
	}
	forEach(victims, len(victims), func(m member) { m.crash() })
	for _, m := range victims {
		s, err := readSpool(m.spool())
		if err != nil {
			f.res.note("%s: read spool after kill: %v", m.ledger().host, err)
			continue
		}
		lost := m.ledger().killed(s.pending)
		f.res.Unspooled += len(lost)
		if len(lost) > 1 {
			// One scan at a time: at most one report can be between the
			// scan and the spool when the process dies.
			f.res.note("%s: %d reports neither acknowledged nor spooled at a kill (at most 1 possible): %v", m.ledger().host, len(lost), lost)
		}
	}
	return victims
}
