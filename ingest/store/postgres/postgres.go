// Package postgres opens the scale-out store: PostgreSQL through pgx v5
// (its database/sql adapter). Several demarc-server processes may share one
// database: ingestion relies on the database's unique keys and row locks,
// never on process memory, and reads go to the database every time.
//
// Durability: a commit returns after PostgreSQL has flushed its WAL
// (synchronous_commit on, the server's default); leave it on.
package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/demarc/demarc/ingest/store/sqlstore"
)

// Options tunes the PostgreSQL store.
type Options struct {
	// MaxConns caps the connection pool (default 16).
	MaxConns int
}

// Dialect is PostgreSQL's: $n placeholders, host rows locked while a
// report updates them, migrations serialised by an advisory lock, and
// tenant usage spread over 16 rows per tenant (concurrent commits of one
// tenant would otherwise queue on one row lock).
var Dialect = sqlstore.Dialect{
	Name:          "postgres",
	Dollar:        true,
	ForUpdate:     " FOR UPDATE",
	MigrationLock: "SELECT pg_advisory_xact_lock(7465001)",
	UsageShards:   16,
}

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string; extra keys such as search_path become session
// settings). Call Migrate before use.
func Open(ctx context.Context, dsn string, o Options) (*sqlstore.Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse postgres dsn: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	n := o.MaxConns
	if n <= 0 {
		n = 16
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect postgres %s@%s:%d/%s: %w", cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	return sqlstore.New(db, db, Dialect), nil
}
