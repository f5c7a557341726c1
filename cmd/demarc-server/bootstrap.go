package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/dbopen"
)

// bootstrapTokenFile is the name of the file holding the first admin token.
const bootstrapTokenFile = "bootstrap-admin-token"

// bootstrapTokenPath is where the first admin token is written: next to a
// SQLite database; with PostgreSQL, in systemd's $STATE_DIRECTORY (the
// packaged unit's /var/lib/demarc-server), else the working directory.
func bootstrapTokenPath(db string) (string, error) {
	kind, err := dbopen.Kind(db)
	if err != nil {
		return "", err
	}
	dir := "."
	if kind == "sqlite" {
		dir = filepath.Dir(strings.TrimPrefix(db, "sqlite:"))
	} else if sd, _, _ := strings.Cut(os.Getenv("STATE_DIRECTORY"), ":"); sd != "" {
		dir = sd
	}
	abs, err := filepath.Abs(filepath.Join(dir, bootstrapTokenFile))
	if err != nil {
		return "", fmt.Errorf("bootstrap token file: %w", err)
	}
	return abs, nil
}

// bootstrapAdmin creates an admin token when the database has no token at
// all and writes it to a new owner-only file at path: never to stdout,
// which under systemd is the journal, readable by more people than the
// token should be. The file is created exclusively, so an existing file
// or symlink there (planted, or left by an earlier database) is neither
// followed nor overwritten: the server refuses to start instead. stdout
// gets only the file's name and what to do with it.
func bootstrapAdmin(ctx context.Context, g *globals, st store.TokenStore, path string) error {
	toks, err := st.Tokens(ctx)
	if err != nil || len(toks) > 0 {
		return err
	}
	secret, t, err := ingest.NewToken(store.AdminTenant, store.RoleAdmin, "created on first start", time.Now())
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("the database has no token and %s already exists: "+
			"remove it (it is not this database's token) and start again", path)
	}
	if err != nil {
		return fmt.Errorf("write the first admin token: %w", err)
	}
	_, err = f.WriteString(secret + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = st.CreateToken(ctx, t)
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("first admin token: %w", err)
	}
	_, err = fmt.Fprintf(g.stdout, "Created admin token %s; its secret is in %s (owner-only).\n"+
		"Read it with: cat %s\nThen delete the file: rm %s\n", t.ID, path, path, path)
	return err
}
