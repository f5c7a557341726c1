package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

func run(o options) error {
	if o.hosts < 1 || o.tenants < 1 || o.reports < 1 || o.batch < 1 || o.runs < 1 {
		return fmt.Errorf("hosts, tenants, reports, batch and runs must be positive")
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
	}
	if db.analyze != nil {
		if err := db.analyze(ctx); err != nil {
			return err
		}
	}
	viewer := f.tenant(0)
	hostID, err := anyHost(ctx, st, store.AllTenants())
	if err != nil {
		return err
	}
	viewerHost, err := anyHost(ctx, st, store.TenantScope(viewer))
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, st, viewer)
	if err != nil {
		return err
	}
	logf("measuring (%d requests or %s per endpoint)", o.runs, o.budget)
	res, err := srv.measure(endpoints(hostID, viewerHost), o.runs, o.budget, logf)
	srv.close()
	if err != nil {
		return err
	}
	var stored, decoded float64
	writers := o.writers
	if writers <= 0 {
		writers = 1
		if o.store == "postgres" {
			writers = 4 // demarc-server's commit workers on PostgreSQL
		}
	}
	if o.ingest > 0 {
		logf("ingesting %d reports at size, %d writers", o.ingest, writers)
		if stored, decoded, err = ingestAtSize(ctx, st, f, o.ingest, writers, o.cpuprofile); err != nil {
			return err
		}
	}
	printTable(os.Stdout, o, info, fillTime, res, writers, stored, decoded)
	return nil
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

func printTable(w *os.File, o options, info string, fill time.Duration, res []result, writers int, stored, decoded float64) {
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
	fmt.Fprintf(w, "\n\n| request | as | n | p50 ms | p95 ms | status |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range res {
		fmt.Fprintf(w, "| %s | %s | %d | %.1f | %.1f | %d |\n", r.name, strings.TrimSuffix(r.as, "-api"), r.n,
			float64(r.p50.Microseconds())/1000, float64(r.p95.Microseconds())/1000, r.status)
	}
	if stored > 0 {
		fmt.Fprintf(w, "\ningest at size (store.SaveBatch, 256 per batch, %d writers): %.0f reports/s; decode-only baseline %.0f reports/s; ratio %.2f\n",
			writers, stored, decoded, stored/decoded)
	}
}
