package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
)

// run fills (or reuses) the store o names, measures it and writes the
// table to w; progress goes to stderr.
func run(o options, w io.Writer) error {
	if o.hosts < 1 || o.tenants < 1 || o.reports < 1 || o.batch < 1 || o.runs < 0 {
		return fmt.Errorf("hosts, tenants, reports and batch must be positive, runs not negative")
	}
	ctx := context.Background()
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }
	db, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer db.cleanup()
	st, info := db.st, db.info
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if o.reuse {
		// The fleet is what was filled: the ingest at size spreads its
		// reports over every stored host (-hosts would pick the first
		// of them, side by side on disk).
		n, err := st.CountHosts(ctx, store.AllTenants(), store.HostFilter{})
		if err != nil {
			return err
		}
		if n < 1 {
			return fmt.Errorf("-reuse: no hosts in the store")
		}
		if int(n) != o.hosts {
			logf("-reuse: the store holds %d hosts; measuring those (not -hosts %d)", n, o.hosts)
		}
		o.hosts = int(n)
	}
	f := fleet{o: o, end: time.Now().UTC().Truncate(time.Hour).Add(-7 * time.Hour)}
	var fillTime time.Duration
	if !o.reuse {
		if err := recordBasis(st); err != nil {
			return err
		}
		logf("filling %s: %d hosts × %d reports × %d findings, %d tenants", info, o.hosts, o.reports, o.findings, o.tenants)
		start := time.Now()
		last := start
		err := fill(ctx, st, f, func(done int) {
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				logf("  %d hosts, %.0f hosts/s", done, float64(done)/time.Since(start).Seconds())
			}
		})
		if err != nil {
			return err
		}
		fillTime = time.Since(start)
		logf("filled in %s (%.0f hosts/s)", fillTime.Round(time.Second), float64(o.hosts)/fillTime.Seconds())
		// The fill leaves gigabytes of dirty pages in the kernel: flushed
		// now, they are not flushed by the first fsync of what is measured.
		t := time.Now()
		syscall.Sync()
		logf("synced the fill to disk in %s", time.Since(t).Round(time.Millisecond))
	}
	if db.analyze != nil {
		if err := db.analyze(ctx); err != nil {
			return err
		}
	}
	var res []result
	if o.runs > 0 {
		if res, err = measureEndpoints(ctx, st, f, o, logf); err != nil {
			return err
		}
	}
	var in ingestResult
	writers := o.writers
	if writers <= 0 {
		writers = 1
		if o.store == "postgres" {
			writers = 4 // demarc-server's commit workers on PostgreSQL
		}
	}
	if o.ingest > 0 {
		logf("ingesting %d reports at size, %d writers", o.ingest, writers)
		if in, err = ingestAtSize(ctx, st, f, o.ingest, writers, o.cpuprofile); err != nil {
			return err
		}
	}
	var rj rejudgeResult
	if o.rejudge > 0 {
		if rj, err = rejudgeAtSize(ctx, st, o.rejudge, writers, logf); err != nil {
			return err
		}
	}
	printTable(w, o, info, fillTime, res, writers, in)
	if rj.hosts > 0 {
		printRejudge(w, o, rj)
	}
	return nil
}

// measureEndpoints times every endpoint through the real handlers, as an
// admin and as the first tenant's viewer.
func measureEndpoints(ctx context.Context, st store.Store, f fleet, o options, logf func(string, ...any)) ([]result, error) {
	viewer := f.tenant(0)
	hostID, err := anyHost(ctx, st, store.AllTenants())
	if err != nil {
		return nil, err
	}
	viewerHost, err := anyHost(ctx, st, store.TenantScope(viewer))
	if err != nil {
		return nil, err
	}
	srv, err := startServer(ctx, st, viewer)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	logf("measuring (%d requests or %s per endpoint)", o.runs, o.budget)
	return srv.measure(endpoints(hostID, viewerHost), o.runs, o.budget, logf)
}

func anyHost(ctx context.Context, st store.Store, sc store.Scope) (string, error) {
	p, err := st.Hosts(ctx, sc, store.HostFilter{}, store.Page{Limit: 1})
	if err != nil {
		return "", err
	}
	if len(p.Hosts) == 0 {
		return "", fmt.Errorf("no hosts in the store")
	}
	return p.Hosts[0].HostID, nil
}

func printTable(w io.Writer, o options, info string, fill time.Duration, res []result, writers int, in ingestResult) {
	name := info
	if i := strings.IndexByte(info, ' '); i > 0 {
		name = info[:i]
	}
	fmt.Fprintf(w, "\n%s, %d hosts × %d reports × %d findings, %d tenants, %d CPUs", name, o.hosts, o.reports, o.findings, o.tenants, runtime.NumCPU())
	if fill > 0 {
		fmt.Fprintf(w, ", filled in %s", fill.Round(time.Second))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			fmt.Fprintf(w, ", load average %s", f[0])
		}
	}
	fmt.Fprintln(w)
	if len(res) > 0 {
		fmt.Fprintf(w, "\n| request | as | n | p50 ms | p95 ms | status |\n| --- | --- | --- | --- | --- | --- |\n")
	}
	for _, r := range res {
		fmt.Fprintf(w, "| %s | %s | %d | %.1f | %.1f | %d |\n", r.name, strings.TrimSuffix(r.as, "-api"), r.n,
			float64(r.p50.Microseconds())/1000, float64(r.p95.Microseconds())/1000, r.status)
	}
	if in.stored > 0 {
		fmt.Fprintf(w, "\ningest at size (store.SaveBatch, %d per batch, %d writers): %.0f reports/s; decode-only baseline %.0f reports/s; ratio %.2f\n",
			ingest.DefaultMaxBatch, writers, in.stored, in.decoded, in.stored/in.decoded)
		if in.notStored > 0 {
			fmt.Fprintf(w, "WARNING: %d of the reports were not stored (their report ids are taken: not ingest); run -reuse with a higher -reports than the last run\n", in.notStored)
		}
		if in.rounds > 1 {
			fmt.Fprintf(w, "each host sent %d reports (numbers %d to %d): a next -reuse run needs -reports %d or more\n",
				in.rounds, o.reports, o.reports+in.rounds-1, o.reports+in.rounds)
			rates := make([]string, len(in.perRound))
			for i, r := range in.perRound {
				rates[i] = "-"
				if r > 0 {
					rates[i] = fmt.Sprintf("%.0f", r)
				}
			}
			fmt.Fprintf(w, "reports/s by round over the fleet: %s\n", strings.Join(rates, " / "))
		}
		printCalls(w, fmt.Sprintf("batches of up to %d", ingest.DefaultMaxBatch), in.batches)
		printIO(w, o, "report", in.io)
	}
}

// printCalls writes how many store calls ran and their median and
// slowest times.
func printCalls(w io.Writer, what string, ds []time.Duration) {
	if b := slices.Sorted(slices.Values(ds)); len(b) > 0 {
		fmt.Fprintf(w, "%s: %d, median %s, slowest %s\n", what, len(b), ms(b[len(b)/2]), ms(b[len(b)-1]))
	}
}

// printIO writes the process's I/O per item (a report, a host), as
// /proc/self/io counts it: SQLite's file I/O, or the wire to PostgreSQL.
func printIO(w io.Writer, o options, item string, p procIO) {
	if !p.ok {
		return
	}
	what := "file I/O of SQLite"
	if o.store == "postgres" {
		what = "I/O with the PostgreSQL server (the wire)"
	}
	fmt.Fprintf(w, "per %s, %s: %.1f KB written in %.1f calls, %.1f KB read in %.1f calls\n",
		item, what, p.wchar/1024, p.syscw, p.rchar/1024, p.syscr)
}
