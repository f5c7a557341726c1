package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/enroll"
	"github.com/demarc/demarc/agent/internal/fsafe"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/rules/lifecycle"
)

// LifecycleFile is the server's lifecycle data as the agent caches it in
// state_dir: the JSON GET /api/v1/lifecycle served, whose SHA-256 is its
// ETag.
const LifecycleFile = "lifecycle.json"

// lifecycleRisk is what another owner of the state directory could do.
const lifecycleRisk = "could replace the lifecycle data the agent judges its host with"

// LifecycleCache is the lifecycle data the agent judges with: the
// server's (GET /api/v1/lifecycle, asked with If-None-Match before each
// scan and cached in state_dir), else the data built into demarc. The
// server's data is checked before it is cached and again when it is
// read; a cache that is missing or does not load means the built-in data
// (one log line when it is bad).
type LifecycleCache struct {
	dir    string
	c      *deliver.Client
	bearer func() (string, bool)
	log    zerolog.Logger // the agent's, set when it takes the Setup

	mu      sync.Mutex
	sha     string // of the cache last read ("" none)
	data    *lifecycle.Dataset
	badSHA  string // the bad cache last logged
	lastErr string // the fetch failure last logged
}

// newLifecycleCache caches in dir and asks with c, authenticated by
// bearer (false: nothing to ask with yet).
func newLifecycleCache(dir string, c *deliver.Client, bearer func() (string, bool)) *LifecycleCache {
	return &LifecycleCache{dir: dir, c: c, bearer: bearer, log: zerolog.Nop()}
}

// Path is the cache file.
func (l *LifecycleCache) Path() string { return filepath.Join(l.dir, LifecycleFile) }

// Refresh asks the server for its lifecycle data, with If-None-Match
// naming the cached data, and caches a new answer (atomically, mode
// 0600). A server without the endpoint means the built-in data: the cache
// is removed, quietly. Other failures keep the cache and are logged once
// per change.
func (l *LifecycleCache) Refresh(ctx context.Context) {
	if l == nil || l.c == nil {
		return
	}
	token, ok := l.bearer()
	if !ok {
		l.log.Debug().Msg("lifecycle data: nothing to ask the server with yet (not enrolled): using the cached or built-in data")
		return
	}
	cur, _ := l.read()
	etag := ""
	if cur != nil {
		etag = sha256Hex(cur)
	}
	body, _, err := l.c.FetchLifecycle(ctx, token, etag)
	switch {
	case errors.Is(err, deliver.ErrNotModified):
		l.failed(nil)
		return
	case errors.Is(err, deliver.ErrNoLifecycle):
		l.failed(nil)
		if cur != nil {
			l.log.Debug().Msg("the server does not serve lifecycle data: using the built-in data")
			if err := os.Remove(l.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
				l.log.Warn().Err(err).Msg("cannot remove the cached lifecycle data")
			}
		}
		return
	case err != nil:
		if ctx.Err() == nil {
			l.failed(err)
		}
		return
	}
	if _, err := lifecycle.Parse(body); err != nil {
		l.failed(err)
		return
	}
	if err := l.write(body); err != nil {
		l.failed(err)
		return
	}
	l.failed(nil)
	l.log.Info().Str("sha256", sha256Hex(body)).Str("file", l.Path()).Msg("new lifecycle data from the server: the next scans judge with it")
}

// failed logs a fetch failure once per change (nil: it works again).
func (l *LifecycleCache) failed(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if msg == l.lastErr {
		return
	}
	l.lastErr = msg
	if err != nil {
		l.log.Warn().Err(err).Msg("cannot get the server's lifecycle data: the next scans use the cached or built-in data")
	}
}

// Dataset is the cached lifecycle data, parsed once per change of the
// file; nil means the built-in data.
func (l *LifecycleCache) Dataset() *lifecycle.Dataset {
	if l == nil {
		return nil
	}
	b, err := l.read()
	l.mu.Lock()
	defer l.mu.Unlock()
	if errors.Is(err, fs.ErrNotExist) || b == nil && err == nil {
		l.sha, l.data = "", nil
		return nil
	}
	sum := ""
	if err == nil {
		sum = sha256Hex(b)
		if sum == l.sha && l.data != nil {
			return l.data
		}
		var d *lifecycle.Dataset
		if d, err = lifecycle.Parse(b); err == nil {
			l.sha, l.data = sum, d
			return d
		}
	}
	if key := sum + err.Error(); key != l.badSHA {
		l.badSHA = key
		l.log.Warn().Err(err).Str("file", l.Path()).Msg("the cached lifecycle data cannot be used: judging with the built-in data")
	}
	l.sha, l.data = "", nil
	return nil
}

// read returns the cache file (nil when there is none), refusing one
// that is not the agent's own.
func (l *LifecycleCache) read() ([]byte, error) {
	if _, err := fsafe.CheckDir(l.dir, os.Stat, false, lifecycleRisk); err != nil {
		return nil, err
	}
	p := l.Path()
	f, uid, err := fsafe.OpenRegular(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !fsafe.Trusted(uid) {
		return nil, &fsafe.UntrustedError{Path: p, Owner: uid, Problem: "is owned by " + fsafe.UserName(uid) + ", not by the agent: remove it"}
	}
	b, err := fsafe.ReadAll(f, p, lifecycle.MaxDatasetBytes)
	if err != nil {
		return nil, err
	}
	if len(b) > lifecycle.MaxDatasetBytes {
		return nil, errors.New(p + ": over the size limit of lifecycle data")
	}
	return b, nil
}

func (l *LifecycleCache) write(b []byte) error {
	if err := os.MkdirAll(l.dir, fsafe.DirMode); err != nil {
		return err
	}
	if _, err := fsafe.CheckDir(l.dir, os.Stat, false, lifecycleRisk); err != nil {
		return err
	}
	return fsafe.WriteAtomic(nil, l.dir, LifecycleFile, b, nil)
}

// lifecycleBearer is what the agent asks for lifecycle data with: the
// host key once enrolled (as its reports are posted), else the deprecated
// agent token when one is configured.
func lifecycleBearer(store *enroll.Store, tokenFile string) func() (string, bool) {
	return func() (string, bool) {
		if st, err := store.Load(); err == nil && st.Status == enroll.Enrolled {
			key, _ := st.Bearer()
			return key, key != ""
		}
		if tokenFile == "" {
			return "", false
		}
		tok, err := config.ReadSecret(tokenFile)
		return tok, err == nil && tok != ""
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
