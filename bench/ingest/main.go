// Command ingest benchmarks demarc-server's ingestion on loopback: N
// concurrent agents post gzip'd realistic reports (40 findings each) to a
// baseline handler that only reads, gunzips and decodes the body, then to
// the real server (SQLite or PostgreSQL), and prints reports/s and p50/p99
// latency of both and their ratio.
//
//	go run ./bench/ingest                          # SQLite in a temp dir
//	go run ./bench/ingest -db postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	go run ./bench/ingest -pending 120              # each host 20..120 pending package updates
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/demarc/demarc/bench/loadgen"
	"github.com/demarc/demarc/ingest"
)

type options struct {
	agents, reports, hosts, findings int
	pending                          int
	db, sync, cpuprofile             string
	workers, maxBatch                int
	skipBaseline                     bool
}

func main() {
	var o options
	flag.IntVar(&o.agents, "agents", 64, "concurrent agents (each its own token and connection)")
	flag.IntVar(&o.reports, "reports", 20000, "reports to post in total")
	flag.IntVar(&o.hosts, "hosts", 5000, "distinct hosts (reports/hosts reports each, in scan order)")
	flag.IntVar(&o.findings, "findings", 40, "findings per report")
	flag.IntVar(&o.pending, "pending", 0, "pending package updates per report at most (each host 20..N; 0: no updates section)")
	flag.StringVar(&o.db, "db", "sqlite", "sqlite (a file in a temp dir) or a postgres:// URL (a schema is created and dropped)")
	flag.StringVar(&o.sync, "sqlite-synchronous", "FULL", "SQLite synchronous: FULL or NORMAL")
	flag.IntVar(&o.workers, "workers", 0, "group-commit workers (0: 1 for SQLite, 4 for PostgreSQL)")
	flag.IntVar(&o.maxBatch, "max-batch", 256, "reports per group-commit transaction at most")
	flag.BoolVar(&o.skipBaseline, "skip-baseline", false, "only run the real server")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the server run")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	t := time.Now()
	plan, err := makePlan(o)
	if err != nil {
		return err
	}
	fmt.Printf("workload: %d reports from %d hosts by %d agents, %d findings and %s pending updates each, %.1f KB gzip / report (generated in %s)\n",
		o.reports, o.hosts, o.agents, o.findings, pendingText(o.pending), float64(plan.gzipBytes)/float64(o.reports)/1024, time.Since(t).Round(time.Millisecond))
	var base loadgen.Stats
	if !o.skipBaseline {
		if base, err = runBaseline(o, plan); err != nil {
			return err
		}
		printStats("baseline (read+gunzip+decode)", base)
	}
	var stop func()
	if o.cpuprofile != "" {
		if stop, err = startProfile(o.cpuprofile); err != nil {
			return err
		}
	}
	real, info, err := runServer(o, plan)
	if stop != nil {
		stop()
	}
	if err != nil {
		return err
	}
	printStats("demarc-server "+info, real)
	if !o.skipBaseline && base.PerSecond() > 0 {
		fmt.Printf("ratio server/baseline: %.2f (throughput), p99 %.1fx\n",
			real.PerSecond()/base.PerSecond(), float64(real.P99)/float64(max(base.P99, 1)))
	}
	if real.Failed > 0 || real.Status[202] != o.reports {
		return fmt.Errorf("server stored %d of %d reports (statuses %v, %d failed)", real.Status[202], o.reports, real.Status, real.Failed)
	}
	return nil
}

func printStats(name string, s loadgen.Stats) {
	fmt.Printf("%-48s %8.0f reports/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  statuses %v failed %d\n",
		name, s.PerSecond(), ms(s.P50), ms(s.P99), ms(s.Max), s.Status, s.Failed)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runBaseline serves a handler that does only what every server must:
// read the body, gunzip it and decode the JSON.
func runBaseline(o options, p *plan) (loadgen.Stats, error) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := ingest.DecodeBaseline(r.Body, r.Header.Get("Content-Encoding"), ingest.DefaultLimits)
		if err != nil || d == nil {
			http.Error(w, `{"error":"bad"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"created"}`)
	})
	url, stop, err := serve(h)
	if err != nil {
		return loadgen.Stats{}, err
	}
	defer stop()
	return loadgen.Run(context.Background(), loadgen.Client(o.agents), url, p.agents("")), nil
}

// serve serves h on a loopback port.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String() + "/api/v1/reports", stop, nil
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func pendingText(n int) string {
	if n <= 0 {
		return "no"
	}
	return fmt.Sprintf("%d..%d", min(20, n), n)
}
