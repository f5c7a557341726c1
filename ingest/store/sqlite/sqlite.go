// Package sqlite opens the built-in store: a SQLite file through
// modernc.org/sqlite (pure Go, no cgo), in WAL mode.
//
// Durability: with synchronous=FULL (the default) every commit fsyncs the
// write-ahead log before it returns, so an acknowledged report survives a
// crash of the process and of the machine (power loss). synchronous=NORMAL
// skips that fsync: a process crash (SIGKILL) still loses nothing, because
// the WAL write reached the kernel, but a power loss may roll back the most
// recent commits. Group commit amortises the fsync over every report of a
// batch, so FULL costs little throughput.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"github.com/rs/zerolog"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"

	"github.com/demarc/demarc/ingest/store/sqlstore"
)

// Options tunes the SQLite store.
type Options struct {
	// Synchronous is "FULL" (default: durable across power loss) or
	// "NORMAL" (durable across process crashes only).
	Synchronous string
	// Readers is the size of the read pool (default: GOMAXPROCS, at least 2).
	Readers int
	// CheckpointEvery is how often a connection of its own copies the
	// write-ahead log back into the database, off the writer's path
	// (default DefaultCheckpointEvery). Negative: never; the writer's
	// commits copy it, every 100,000 WAL pages, stalling the commit that
	// does.
	CheckpointEvery time.Duration
	// Log receives the warning when Open tightens files that others could
	// read, and the checkpointer's failures (the zero Logger discards
	// them).
	Log zerolog.Logger
}

// Dialect is SQLite's.
var Dialect = sqlstore.Dialect{Name: "sqlite"}

// Open opens (creating if needed) the database file at path. Call Migrate
// before use. The database's files are owner-only (0600) whatever the
// umask: a new database is created so, and existing files that others can
// read are tightened (with a warning on o.Log).
func Open(ctx context.Context, path string, o Options) (*sqlstore.Store, error) {
	s, _, err := open(ctx, path, o)
	return s, err
}

// open is Open, also returning the checkpointer (nil when off).
func open(ctx context.Context, path string, o Options) (*sqlstore.Store, *checkpointer, error) {
	if path == "" {
		return nil, nil, fmt.Errorf("open sqlite: empty path")
	}
	sync := o.Synchronous
	switch sync {
	case "":
		sync = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, nil, fmt.Errorf("open sqlite: synchronous %q (want FULL or NORMAL)", sync)
	}
	if err := privateFiles(path, o.Log); err != nil {
		return nil, nil, fmt.Errorf("open sqlite: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_pragma", "temp_store(MEMORY)")
	// The checkpointer (checkpoint.go) copies the WAL back between and
	// beside the writer's commits. The writer's own checkpoint, after the
	// commit that takes the WAL past ~400 MB, is the bound when the
	// checkpointer is off or falls behind; it copies only what the
	// checkpointer has not. Without the checkpointer the large interval
	// matters: a page written by many commits in between (index leaves,
	// host rows, aggregates) is copied back once per checkpoint, and at
	// 100k hosts 40 MB still copied most of them about once per batch
	// (bench/scale, docs/PERFORMANCE.md). After a checkpoint the WAL file
	// is cut back to 64 MB.
	q.Add("_pragma", "wal_autocheckpoint(100000)")
	q.Add("_pragma", "journal_size_limit(67108864)")
	q.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// Create the file and switch it to WAL before readers open it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	q.Del("_txlock")
	// The checkpointer's connection: the writer's settings (its syncs
	// follow synchronous), without its transactions.
	ckptDSN := "file:" + path + "?" + q.Encode()
	q.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := o.Readers
	if n <= 0 {
		n = max(2, runtime.GOMAXPROCS(0))
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	st := sqlstore.New(w, r, Dialect)
	every := o.CheckpointEvery
	if every == 0 {
		every = DefaultCheckpointEvery
	}
	if every < 0 {
		return st, nil, nil
	}
	c, err := startCheckpointer(ctx, ckptDSN, every, o.Log)
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	st.OnClose(c.Close)
	return st, c, nil
}
