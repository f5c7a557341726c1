// Package dbopen opens a store from the --db value of demarc-server:
// "sqlite:PATH" (or a bare path ending in .db) or a postgres:// URL. It is
// the only place that imports both database drivers, and only
// demarc-server's commands import it.
package dbopen

import (
	"context"
	"fmt"
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/postgres"
	"github.com/demarc/demarc/ingest/store/sqlite"
)

// Options tunes whichever store is opened.
type Options struct {
	SQLite   sqlite.Options
	Postgres postgres.Options
}

// Kind names the database behind a --db value: "sqlite" or "postgres".
func Kind(db string) (string, error) {
	switch {
	case strings.HasPrefix(db, "sqlite:"):
		return "sqlite", nil
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return "postgres", nil
	}
	return "", fmt.Errorf("--db %q: want sqlite:PATH or postgres://…", redact(db))
}

// Open opens the store named by db.
func Open(ctx context.Context, db string, o Options) (store.Store, error) {
	kind, err := Kind(db)
	if err != nil {
		return nil, err
	}
	if kind == "sqlite" {
		return sqlite.Open(ctx, strings.TrimPrefix(db, "sqlite:"), o.SQLite)
	}
	return postgres.Open(ctx, db, o.Postgres)
}

// redact hides a password in a database URL for messages and logs.
func redact(db string) string {
	at := strings.LastIndex(db, "@")
	scheme := strings.Index(db, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return db
	}
	userinfo := db[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return db[:scheme+3] + user + ":xxxxx" + db[at:]
	}
	return db
}

// Redact hides a password in a --db value.
func Redact(db string) string { return redact(db) }
