package sqlite_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/ingest/store/storetest"
	"github.com/demarc/demarc/internal/reportgen"
)

// withUmask runs fn under umask m. The umask is the process's: callers
// must not be parallel tests (top-level tests without t.Parallel never
// overlap parallel ones).
func withUmask(m int, fn func()) {
	old := syscall.Umask(m)
	defer syscall.Umask(old)
	fn()
}

// useStore opens path, migrates and writes a report, so that the WAL and
// the shared-memory file exist, and leaves them open while check runs.
func useStore(t *testing.T, path string, o sqlite.Options, check func()) {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	r := reportgen.NewHost(1, 1, "acme", 5, -1).Next(time.Now().UTC())
	if _, err := s.SaveBatch(t.Context(), []store.Incoming{storetest.Incoming(t, "acme", r)}); err != nil {
		t.Fatal(err)
	}
	check()
}

func modes(t *testing.T, path string) map[string]os.FileMode {
	t.Helper()
	out := map[string]os.FileMode{}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		fi, err := os.Stat(path + suffix)
		if err != nil {
			continue
		}
		out[filepath.Base(path+suffix)] = fi.Mode().Perm()
	}
	return out
}

// TestFilesPrivate: the database holds every tenant's reports and the
// token hashes; whatever the umask, its files (database, WAL,
// shared memory) are readable by their owner only.
func TestFilesPrivate(t *testing.T) {
	for _, umask := range []int{0o022, 0o000} {
		path := filepath.Join(t.TempDir(), "demarc.db")
		withUmask(umask, func() {
			useStore(t, path, sqlite.Options{}, func() {
				got := modes(t, path)
				if len(got) < 3 {
					t.Fatalf("umask %03o: files %v, want the database, its WAL and shm", umask, got)
				}
				for name, m := range got {
					if m != 0o600 {
						t.Errorf("umask %03o: %s is %04o, want 0600", umask, name, m)
					}
				}
			})
		})
	}
}

// TestLooseFilesTightened: a database made world-readable before (an
// older version, a copy, a umask of 022) is tightened to 0600 at open,
// with a warning naming the files.
func TestLooseFilesTightened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demarc.db")
	withUmask(0o022, func() {
		useStore(t, path, sqlite.Options{}, func() {})
	})
	for _, suffix := range []string{"", "-wal", "-shm"} {
		// The files may have been checkpointed away at close: make them.
		f, err := os.OpenFile(path+suffix, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := os.Chmod(path+suffix, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	withUmask(0o022, func() {
		useStore(t, path, sqlite.Options{Log: zerolog.New(&logs)}, func() {
			for name, m := range modes(t, path) {
				if m != 0o600 {
					t.Errorf("%s is %04o after open, want 0600", name, m)
				}
			}
		})
	})
	if !strings.Contains(logs.String(), `"level":"warn"`) || !strings.Contains(logs.String(), "demarc.db-wal") {
		t.Errorf("no warning naming the tightened files: %s", logs.String())
	}
}
