package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/rs/zerolog"
)

// fileSuffixes are SQLite's files for a database: the database itself,
// its write-ahead log, its shared-memory index and a rollback journal.
var fileSuffixes = []string{"", "-wal", "-shm", "-journal"}

// privateFiles makes the database's files readable by their owner only,
// whatever the umask: it creates the database file 0600 when it does not
// exist (SQLite gives the WAL, shm and journal files it creates the
// database file's mode), and removes the group and other bits from
// existing files, warning once with their names. A file it may not
// change is an error: the store does not open a database others can read.
func privateFiles(path string, log zerolog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("create %s: %w", path, err)
	}
	var tightened []string
	for _, suffix := range fileSuffixes {
		name := path + suffix
		fi, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", name, err)
		}
		perm := fi.Mode().Perm()
		if perm&0o077 == 0 {
			continue
		}
		if err := os.Chmod(name, perm&^0o077); err != nil {
			return fmt.Errorf("make %s private (it is %04o): %w", name, perm, err)
		}
		tightened = append(tightened, fmt.Sprintf("%s (was %04o)", name, perm))
	}
	if len(tightened) > 0 {
		log.Warn().Str("files", strings.Join(tightened, ", ")).
			Msg("database files were readable by other users: now owner-only (0600)")
	}
	return nil
}
