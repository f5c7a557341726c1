// Command scale measures demarc-server's read side at fleet size. It fills
// a store directly (store.SaveBatch in big transactions, no HTTP: the path
// that keeps the fleet aggregates) with N hosts of realistic reports, then
// times every page and API endpoint through the real handlers over
// loopback (p50/p95 per endpoint, as an admin and as one tenant's
// viewer), the /metrics scrape uncached, store-level ingest at that size
// against a decode-only baseline of the same bodies, and store-level
// re-judging at that size (new lifecycle data moving products' latest
// releases: every host's findings on them change in place).
//
//	go run ./bench/scale -hosts 20000                       # SQLite in a temp dir
//	go run ./bench/scale -hosts 20000 -store postgres -dsn postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	go run ./bench/scale -db /var/tmp/scale.db -hosts 100000 -keep   # fill once …
//	go run ./bench/scale -db /var/tmp/scale.db -reuse -reports 3    # … measure again
//
// Each -reuse run that ingests needs a higher -reports than the last: the
// ingested reports are each host's report number -reports, and a report id
// already stored is not ingest (the bench warns). An -ingest larger than
// the fleet sends each host several reports, numbers -reports on (the
// bench says which -reports the next run needs).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

type options struct {
	hosts, tenants, findings, reports, batch int
	store, dsn, db                           string
	keep, reuse                              bool
	runs                                     int
	budget                                   time.Duration
	ingest                                   int
	// rejudge is how many hosts the re-judging at size re-judges.
	rejudge    int
	cpuprofile string
	// pending is the most pending packages a host lists (0: no updates
	// section); writers the concurrent SaveBatch (and Rejudge) calls of
	// the ingest (and the re-judging) at size (0: the server's default
	// for the store).
	pending, writers int
	// checkpoint is the SQLite store's CheckpointEvery (0: its default).
	checkpoint time.Duration
	// derive computes store.Derive before SaveBatch, as the ingest
	// handler does.
	derive bool
}

func main() {
	var o options
	flag.IntVar(&o.hosts, "hosts", 20000, "hosts to fill (with -reuse: the stored hosts)")
	flag.IntVar(&o.tenants, "tenants", 20, "tenants the hosts are spread over")
	flag.IntVar(&o.findings, "findings", 40, "findings per report")
	flag.IntVar(&o.reports, "reports", 2, "reports per host (a day apart; later ones drift: resolved history)")
	flag.IntVar(&o.batch, "batch", 1000, "reports per fill transaction")
	flag.StringVar(&o.store, "store", "sqlite", "sqlite or postgres")
	flag.StringVar(&o.dsn, "dsn", "", "postgres: the database URL (a schema is created, and dropped unless -keep)")
	flag.StringVar(&o.db, "db", "", "sqlite: the database file (default: a temp dir, removed unless -keep)")
	flag.BoolVar(&o.keep, "keep", false, "keep the filled database")
	flag.BoolVar(&o.reuse, "reuse", false, "measure an existing -db (or -dsn with search_path) without filling")
	flag.IntVar(&o.runs, "runs", 20, "requests per endpoint at most (0: time no endpoint, only the ingest at size)")
	flag.DurationVar(&o.budget, "budget", 20*time.Second, "time per endpoint at most (at least 3 requests)")
	flag.IntVar(&o.ingest, "ingest", 2000, "reports to ingest at size (store-level), 0 to skip")
	flag.IntVar(&o.rejudge, "rejudge", 2000, "hosts to re-judge at size (store-level, their latest reports with the lifecycle-judged findings' latest versions moved), 0 to skip")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the ingest at size to this file")
	flag.IntVar(&o.pending, "pending", 40, "pending packages a host lists, at most (half to all of it; 0: reports without updates)")
	flag.DurationVar(&o.checkpoint, "checkpoint", 0, "sqlite: how often the checkpointer runs (0: the store's default; negative: off, the writer checkpoints)")
	flag.BoolVar(&o.derive, "derive", true, "compute what the store derives from a report (summary, fingerprints, evidence JSON) before SaveBatch, as the ingest handler does (false: in the writer)")
	flag.IntVar(&o.writers, "writers", 0, "concurrent store writers of the ingest and the re-judging at size (0: as demarc-server: 1 on SQLite, 4 on PostgreSQL)")
	flag.Parse()
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}
