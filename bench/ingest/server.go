package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/demarc/demarc/bench/loadgen"
	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/postgres"
	"github.com/demarc/demarc/ingest/store/sqlite"
)

// runServer runs the real server over a fresh database and drives the
// same workload at it.
func runServer(o options, p *plan) (loadgen.Stats, string, error) {
	ctx := context.Background()
	st, info, cleanup, err := openStore(ctx, o)
	if err != nil {
		return loadgen.Stats{}, "", err
	}
	defer cleanup()
	if err := st.Migrate(ctx); err != nil {
		return loadgen.Stats{}, "", err
	}
	tokens := make([]string, len(p.tenants))
	for i, tenant := range p.tenants {
		secret, t, err := ingest.NewToken(tenant, store.RoleAgent, fmt.Sprintf("bench agent %d", i), time.Now())
		if err != nil {
			return loadgen.Stats{}, "", err
		}
		if err := st.CreateToken(ctx, t); err != nil {
			return loadgen.Stats{}, "", err
		}
		tokens[i] = secret
	}
	workers := o.workers
	if workers == 0 && !strings.HasPrefix(info, "sqlite") {
		workers = 4
	}
	srv, err := ingest.New(ingest.Config{
		Store: st, Log: zerolog.Nop(), CommitWorkers: workers, MaxBatch: o.maxBatch,
		// Each bench agent stands for many hosts: lift the per-token limit
		// well above what it can send (the limiter still runs).
		RatePerSecond: 1e6, RateBurst: 1e6, Retention: -1,
		// Each bench agent posts many hosts' reports with one tenant token.
		AgentTokenReports: true, MaxPerToken: -1, MaxPerTenant: -1,
	})
	if err != nil {
		return loadgen.Stats{}, "", err
	}
	url, stop, err := serve(srv.Handler())
	if err != nil {
		srv.Close()
		return loadgen.Stats{}, "", err
	}
	stats := loadgen.Run(ctx, loadgen.Client(o.agents), url, p.agents(tokens...))
	batches := batchInfo(strings.TrimSuffix(url, "/api/v1/reports") + "/metrics")
	stop()
	srv.Close()
	return stats, fmt.Sprintf("%s, %d worker(s), %s", info, max(workers, 1), batches), nil
}

func openStore(ctx context.Context, o options) (store.Store, string, func(), error) {
	if o.db == "sqlite" {
		dir, err := os.MkdirTemp("", "demarc-bench-")
		if err != nil {
			return nil, "", nil, err
		}
		st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"), sqlite.Options{Synchronous: o.sync})
		if err != nil {
			os.RemoveAll(dir)
			return nil, "", nil, err
		}
		return st, "sqlite synchronous=" + o.sync, func() { st.Close(); os.RemoveAll(dir) }, nil
	}
	conn, err := pgx.Connect(ctx, o.db)
	if err != nil {
		return nil, "", nil, fmt.Errorf("connect %s: %w", o.db, err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := "demarc_bench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return nil, "", nil, fmt.Errorf("create schema: %w", err)
	}
	sep := "?"
	if strings.Contains(o.db, "?") {
		sep = "&"
	}
	st, err := postgres.Open(ctx, o.db+sep+"search_path="+schema, postgres.Options{MaxConns: 16})
	cleanup := func() {
		if st != nil {
			st.Close()
		}
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	}
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	return st, "postgres", cleanup, nil
}

// batchInfo reads the mean group-commit batch from the server's metrics.
func batchInfo(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return "batch ?"
	}
	defer resp.Body.Close()
	var sum, count float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "demarc_store_batch_reports_sum":
			sum = v
		case "demarc_store_batch_reports_count":
			count = v
		}
	}
	if count == 0 {
		return "batch ?"
	}
	return fmt.Sprintf("%.0f commits, mean batch %.1f", count, sum/count)
}
