package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/demarc/demarc/bench/loadgen"
	"github.com/demarc/demarc/internal/reportgen"
)

// plan is the pre-encoded workload: each agent's hosts' reports in scan
// order, round-robin over its hosts.
type plan struct {
	bodies    [][]loadgen.Body // per agent
	tenants   []string         // per agent
	gzipBytes int
}

const tenants = 4

func makePlan(o options) (*plan, error) {
	if o.agents < 1 || o.hosts < 1 || o.reports < 1 {
		return nil, fmt.Errorf("agents, hosts and reports must be positive")
	}
	p := &plan{bodies: make([][]loadgen.Body, o.agents), tenants: make([]string, o.agents)}
	for a := range o.agents {
		p.tenants[a] = fmt.Sprintf("tenant%d", a%tenants)
	}
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	// Reports in send order: round r of every host, then round r+1.
	type job struct{ host, round, agent int }
	hosts := make([]*reportgen.Host, o.hosts)
	for i := range hosts {
		hosts[i] = reportgen.NewHost(uint64(i)+1, i, p.tenants[i%o.agents], o.findings, 0.2)
		if o.pending > 0 {
			hosts[i].WithUpdates(min(20, o.pending), o.pending)
		}
	}
	jobs := make([]job, o.reports)
	for i := range jobs {
		jobs[i] = job{host: i % o.hosts, round: i / o.hosts, agent: (i % o.hosts) % o.agents}
	}
	// Hosts are not safe for concurrent use: each worker owns hosts h with
	// h % workers == w, and fills slots in send order.
	out := make([]loadgen.Body, len(jobs))
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i, j := range jobs {
				if j.host%workers != w {
					continue
				}
				r := hosts[j.host].Next(base.Add(time.Duration(j.round)*6*time.Hour + time.Duration(j.host)*time.Second))
				b, err := loadgen.Encode(r)
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = b
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for i, j := range jobs {
		p.bodies[j.agent] = append(p.bodies[j.agent], out[i])
		p.gzipBytes += len(out[i].Gzip)
	}
	return p, nil
}

// agents gives each agent its bodies and token (tokenOf(agent), or "" for
// the baseline that checks none).
func (p *plan) agents(tokens ...string) []loadgen.Agent {
	out := make([]loadgen.Agent, len(p.bodies))
	for i := range out {
		out[i].Bodies = p.bodies[i]
		if len(tokens) == len(out) {
			out[i].Token = tokens[i]
		}
	}
	return out
}
