package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/postgres"
	"github.com/demarc/demarc/ingest/store/sqlite"
)

// opened is an open store: what to print about it, how to clean up, and
// how to gather the planner's statistics after the fill (nil: nothing to
// do).
type opened struct {
	st      store.Store
	info    string
	cleanup func()
	analyze func(context.Context) error
}

// openStore opens the store to fill (or reuse).
func openStore(ctx context.Context, o options) (opened, error) {
	switch o.store {
	case "sqlite":
		st, info, cleanup, err := openSQLite(ctx, o)
		return opened{st: st, info: info, cleanup: cleanup}, err
	case "postgres":
		return openPostgres(ctx, o)
	}
	return opened{}, fmt.Errorf("store %q: want sqlite or postgres", o.store)
}

func openSQLite(ctx context.Context, o options) (store.Store, string, func(), error) {
	path, dir := o.db, ""
	if path == "" {
		if o.reuse {
			return nil, "", nil, fmt.Errorf("-reuse needs -db")
		}
		d, err := os.MkdirTemp("", "demarc-scale-")
		if err != nil {
			return nil, "", nil, err
		}
		dir, path = d, filepath.Join(d, "scale.db")
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: "NORMAL", CheckpointEvery: o.checkpoint})
	if err != nil {
		return nil, "", nil, err
	}
	cleanup := func() {
		st.Close()
		if dir != "" && !o.keep {
			os.RemoveAll(dir)
		}
	}
	return st, "sqlite " + path, cleanup, nil
}

// openPostgres opens a new schema (or, with -reuse, the DSN's). Its
// analyze runs ANALYZE: the fill is faster than autovacuum notices (and
// autovacuum may be off), and a planner without statistics picks plans
// that read every open finding (seen here: 2.4 s for the summary at 20k
// hosts, 0.2 ms after ANALYZE).
func openPostgres(ctx context.Context, o options) (opened, error) {
	if o.dsn == "" {
		return opened{}, fmt.Errorf("-store postgres needs -dsn")
	}
	dsn := o.dsn
	info := "postgres (reused)"
	var conn *pgx.Conn
	if !o.reuse {
		var err error
		if conn, err = pgx.Connect(ctx, o.dsn); err != nil {
			return opened{}, fmt.Errorf("connect: %w", err)
		}
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		schema := "demarc_scale_" + hex.EncodeToString(b)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			conn.Close(ctx)
			return opened{}, fmt.Errorf("create schema: %w", err)
		}
		sep := "?"
		if strings.Contains(o.dsn, "?") {
			sep = "&"
		}
		dsn, info = o.dsn+sep+"search_path="+schema, "postgres schema "+schema
	}
	st, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 16})
	cleanup := func() {
		if st != nil {
			st.Close()
		}
		if conn != nil {
			if !o.keep {
				_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+strings.TrimPrefix(info, "postgres schema ")+" CASCADE")
			}
			conn.Close(context.Background())
		}
	}
	if err != nil {
		cleanup()
		return opened{}, err
	}
	analyze := func(ctx context.Context) error {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "ANALYZE"); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
		return nil
	}
	return opened{st: st, info: info, cleanup: cleanup, analyze: analyze}, nil
}
