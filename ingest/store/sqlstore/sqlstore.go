package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

//go:embed migrations
var migrations embed.FS

// Dialect is what differs between the databases.
type Dialect struct {
	// Name is "sqlite" or "postgres"; it also names the migrations folder.
	Name string
	// Dollar numbers placeholders $1, $2… instead of ?.
	Dollar bool
	// ForUpdate is appended to the SELECT that reads a host before writing
	// it (" FOR UPDATE" on PostgreSQL; SQLite has one writer).
	ForUpdate string
	// MigrationLock is run first in the migration transaction so that
	// several replicas starting at once migrate one after the other.
	MigrationLock string
	// UsageShards is the number of tenant_usage rows per tenant that
	// batches spread their additions over (0 or 1: one row).
	UsageShards int
}

// Store is a store.Store over database/sql.
type Store struct {
	w, r *sql.DB
	d    Dialect
	q    queries

	// stmts caches the writer's prepared statements by query text: with
	// SQLite, parsing a statement costs more than running it.
	mu       sync.Mutex
	stmts    map[string]*sql.Stmt
	prepared bool
}

// New wraps open databases: w takes every write (one connection for SQLite),
// r serves reads (may be the same pool). Close closes both.
func New(w, r *sql.DB, d Dialect) *Store {
	s := &Store{w: w, r: r, d: d, stmts: map[string]*sql.Stmt{}}
	s.q = buildQueries(s.rebind, d.ForUpdate)
	up, res := map[int]string{}, map[int]string{}
	for _, n := range chunkSizes {
		up[n], res[n] = s.upsertQuery(n), s.resolveQuery(n)
	}
	s.q.upsertN, s.q.resolveN = up, res
	return s
}

var _ store.Store = (*Store)(nil)

// rebind turns ? placeholders into $n for PostgreSQL. Queries in this
// package never contain a literal question mark.
func (s *Store) rebind(q string) string {
	if !s.d.Dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Ping checks both pools.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.d.Name, err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.d.Name, err)
	}
	return nil
}

// chunkSizes are the row counts of the prepared multi-row statements: a
// list of n rows is written in chunks of these sizes, largest first.
var chunkSizes = []int{64, 16, 4, 1}

// chunks splits n into chunkSizes.
func chunks(n int) []int {
	var out []int
	for _, c := range chunkSizes {
		for n >= c {
			out = append(out, c)
			n -= c
		}
	}
	return out
}

// prepare prepares every statement of the write path, once, outside any
// transaction (SQLite's writer pool has a single connection, busy inside
// a transaction). With SQLite, parsing a statement costs more than
// running it.
func (s *Store) prepare(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prepared {
		return nil
	}
	qs := []string{s.q.insertReport, s.q.reportByID, s.q.deleteReport, s.q.hostState, s.q.insertHost,
		s.q.updateHost, s.q.hostFindings, s.q.clampFindings, s.q.upsertUsage,
		s.q.postingKey, s.q.identityExists, s.q.lockIdentity, s.q.keyState, s.q.keyUsed,
		s.q.retireState, s.q.promoteKey, s.q.insertKey, s.q.clearRotation}
	for _, n := range chunkSizes {
		qs = append(qs, s.upsertQuery(n), s.resolveQuery(n))
	}
	for _, q := range qs {
		if _, ok := s.stmts[q]; ok {
			continue
		}
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		s.stmts[q] = st
	}
	s.prepared = true
	return nil
}

// stmt returns the prepared q for use in tx (q already rebound).
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.stmts[q]
	s.mu.Unlock()
	if !ok {
		return tx.PrepareContext(ctx, q)
	}
	return tx.StmtContext(ctx, st), nil
}

// exec runs a cached statement in tx.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// queryRow runs a cached single-row query in tx.
func (s *Store) queryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	st, err := s.stmt(ctx, tx, q)
	if err != nil {
		return tx.QueryRowContext(ctx, q, args...) // reports the same error on Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes the pools.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	clear(s.stmts)
	s.prepared = false
	s.mu.Unlock()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Migrate applies the pending embedded migrations of the dialect, each in
// its own transaction, recording them in schema_migrations.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrateTo(ctx, math.MaxInt64)
}

// migrateTo applies the pending migrations up to version last.
func (s *Store) migrateTo(ctx context.Context, last int64) error {
	files, err := fs.Glob(migrations, "migrations/"+s.d.Name+"/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(files)
	for _, f := range files {
		v, err := migrationVersion(f)
		if err != nil {
			return err
		}
		if v > last {
			break
		}
		if err := s.migrateOne(ctx, f, v); err != nil {
			return err
		}
	}
	return nil
}

func migrationVersion(path string) (int64, error) {
	base := path[strings.LastIndex(path, "/")+1:]
	num, _, _ := strings.Cut(base, "_")
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("migration %s: bad version: %w", base, err)
	}
	return v, nil
}

func (s *Store) migrateOne(ctx context.Context, file string, version int64) error {
	body, err := migrations.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read migration %s: %w", file, err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %d: begin: %w", version, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if s.d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.MigrationLock); err != nil {
			return fmt.Errorf("migration %d: lock: %w", version, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
		return fmt.Errorf("migration %d: check: %w", version, err)
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range splitSQL(string(body)) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migration %d: %w", version, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), version, micros(time.Now())); err != nil {
		return fmt.Errorf("migration %d: record: %w", version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %d: commit: %w", version, err)
	}
	return nil
}

// splitSQL splits a migration file on semicolons at line ends, dropping
// comment lines. Migrations hold no procedural code.
func splitSQL(body string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(body, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

// micros is t as unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the UTC time of unix microseconds us.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// scopeWhere returns the condition restricting column col to sc.
func scopeWhere(sc store.Scope, col string) (string, []any) {
	if sc.All() {
		return "1=1", nil
	}
	// A zero Scope has tenant "": no row has an empty tenant.
	return col + " = ?", []any{sc.Tenant()}
}

// Migrations are the embedded migration files, migrations/<dialect>/*.sql
// (for tests that count them).
func Migrations() fs.FS { return migrations }
