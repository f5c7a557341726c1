package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

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
	// reads caches statements of the read pool that run once per report
	// (readStmt).
	reads map[string]*sql.Stmt
	// closers run first in Close (OnClose), last added first.
	closers []func() error
}

// New wraps open databases: w takes every write (one connection for SQLite),
// r serves reads (may be the same pool). Close closes both.
func New(w, r *sql.DB, d Dialect) *Store {
	s := &Store{w: w, r: r, d: d, stmts: map[string]*sql.Stmt{}, reads: map[string]*sql.Stmt{}}
	s.q = buildQueries(s.rebind, d.ForUpdate)
	up, res, unv := map[int]string{}, map[int]string{}, map[int]string{}
	for _, n := range chunkSizes {
		up[n], res[n] = s.upsertQuery(n), s.resolveQuery(n)
		unv[n] = s.rebind(s.q.unverifyPrefix + "(" + placeholders(n) + ")")
	}
	s.q.upsertN, s.q.resolveN, s.q.unverifyN = up, res, unv
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

// refreshStatements are the statements, one for each of chunkSizes rows,
// that update the columns cols of table's rows found by keys, each row's
// values given as keys then cols: UPDATE … FROM (VALUES …). A column
// named in types is cast to that SQL type (PostgreSQL types the VALUES
// parameters as text otherwise); the rest are TEXT.
func refreshStatements(rebind func(string) string, table string, keys, cols []string, types map[string]string) map[int]string {
	all := append(slices.Clone(keys), cols...)
	vals := make([]string, len(all))
	for i, c := range all {
		vals[i] = "CAST(? AS " + cmp.Or(types[c], "TEXT") + ")"
	}
	row := "(" + strings.Join(vals, ", ") + ")"
	sets := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = fmt.Sprintf("%s = v.column%d", c, len(keys)+i+1)
	}
	where := make([]string, len(keys))
	for i, k := range keys {
		where[i] = fmt.Sprintf("%s.%s = v.column%d", table, k, i+1)
	}
	out := map[int]string{}
	for _, n := range chunkSizes {
		out[n] = rebind(`UPDATE ` + table + ` SET ` + strings.Join(sets, ", ") + ` FROM (VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + `) AS v WHERE ` + strings.Join(where, " AND "))
	}
	return out
}

// inChunks runs stmts[size] over n rows of width values each (args holds
// them all, row after row), lead prepended to each chunk's values.
func (s *Store) inChunks(ctx context.Context, tx *sql.Tx, stmts map[int]string, lead, args []any, n, width int) error {
	start := 0
	for _, c := range chunks(n) {
		vals := append(append([]any{}, lead...), args[start*width:(start+c)*width]...)
		if _, err := s.exec(ctx, tx, stmts[c], vals...); err != nil {
			return err
		}
		start += c
	}
	return nil
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
		s.q.hostFindings, s.q.clampFindings, s.q.upsertUsage,
		s.q.postingKey, s.q.identityExists, s.q.lockIdentity, s.q.keyState, s.q.keyUsed,
		s.q.retireState, s.q.promoteKey, s.q.insertKey, s.q.clearRotation,
		s.q.rejudgeState, s.q.rejudgeHost, s.q.rejudgeReport,
		s.q.shareHost, s.q.shareOpen, s.q.upsertFleetHosts, s.q.upsertFleetFindings, s.q.shareTrend, s.q.upsertFleetTrend, s.q.upsertFleetAge,
		s.q.upsertFleetUpdates}
	for _, n := range chunkSizes {
		qs = append(qs, s.q.upsertN[n], s.q.resolveN[n], s.q.unverifyN[n], s.q.refreshFindings[n])
	}
	qs = append(qs, s.q.u.statements()...)
	qs = append(qs, s.q.updateHost[:]...)
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

// readStmt returns q (already rebound) prepared on the read pool, once:
// for the reads of the ingest path, where parsing would cost more than
// running them.
func (s *Store) readStmt(ctx context.Context, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.reads[q]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.r.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.reads[q]; ok {
		st.Close()
		return old, nil
	}
	s.reads[q] = st
	return st, nil
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

// OnClose adds f to what Close does before it closes the pools: for what
// a driver runs beside them (SQLite's checkpointer). Call it before the
// store is shared.
func (s *Store) OnClose(f func() error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closers = append(s.closers, f)
}

// Close stops what OnClose added, then closes the pools.
func (s *Store) Close() error {
	s.mu.Lock()
	closers := s.closers
	s.closers = nil
	s.mu.Unlock()
	var errs []error
	for i := len(closers) - 1; i >= 0; i-- {
		errs = append(errs, closers[i]())
	}
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	clear(s.stmts)
	for _, st := range s.reads {
		st.Close()
	}
	clear(s.reads)
	s.prepared = false
	s.mu.Unlock()
	errs = append(errs, s.w.Close())
	if s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	return errors.Join(errs...)
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
