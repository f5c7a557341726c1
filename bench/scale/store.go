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

// openStore opens the store to fill (or reuse) and returns what to print
// about it and how to clean up.
func openStore(ctx context.Context, o options) (store.Store, string, func(), error) {
	switch o.store {
	case "sqlite":
		return openSQLite(ctx, o)
	case "postgres":
		return openPostgres(ctx, o)
	}
	return nil, "", nil, fmt.Errorf("store %q: want sqlite or postgres", o.store)
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
	st, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: "NORMAL"})
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

func openPostgres(ctx context.Context, o options) (store.Store, string, func(), error) {
	if o.dsn == "" {
		return nil, "", nil, fmt.Errorf("-store postgres needs -dsn")
	}
	if o.reuse {
		st, err := postgres.Open(ctx, o.dsn, postgres.Options{MaxConns: 16})
		if err != nil {
			return nil, "", nil, err
		}
		return st, "postgres (reused)", func() { st.Close() }, nil
	}
	conn, err := pgx.Connect(ctx, o.dsn)
	if err != nil {
		return nil, "", nil, fmt.Errorf("connect: %w", err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := "demarc_scale_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return nil, "", nil, fmt.Errorf("create schema: %w", err)
	}
	sep := "?"
	if strings.Contains(o.dsn, "?") {
		sep = "&"
	}
	st, err := postgres.Open(ctx, o.dsn+sep+"search_path="+schema, postgres.Options{MaxConns: 16})
	cleanup := func() {
		if st != nil {
			st.Close()
		}
		if !o.keep {
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		}
		conn.Close(context.Background())
	}
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	return st, "postgres schema " + schema, cleanup, nil
}
