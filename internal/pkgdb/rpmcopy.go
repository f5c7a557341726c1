package pkgdb

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/demarc/demarc/internal/hostfs"
)

// MaxRPMDBCopy caps the bytes copied out of another root's RPM database.
// A large server's rpmdb.sqlite is tens of MiB; a BDB Packages file a few
// hundred.
const MaxRPMDBCopy = 2 << 30

// ErrDatabaseTooLarge means another root's RPM database is larger than
// MaxRPMDBCopy, so it was not copied and not queried.
var ErrDatabaseTooLarge = errors.New("rpm database too large to copy")

// rpmCopyMu serialises the copies of one process: their directory is named
// by the process and the root (so that RPMQueryArgv can name it before Read
// makes it), and two reads of one root at once would share it.
var rpmCopyMu sync.Mutex

// rpmCopyDir is where Read copies the RPM database of root: a fixed name per
// process and root under the scanning machine's temporary directory.
func rpmCopyDir(root hostfs.Root) string {
	sum := sha256.Sum256([]byte(root.Dir()))
	return filepath.Join(os.TempDir(), fmt.Sprintf("demarc-rpmdb-%d-%x", os.Getpid(), sum[:6]))
}

// makeCopyDir creates dir, mode 0700. One left over by this process's
// user (a crash) is emptied; anything else in its place (another user's
// directory, a symlink) is refused, never followed.
func makeCopyDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, lerr := os.Lstat(dir)
	if lerr != nil {
		return lerr
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Geteuid() || fi.Mode().Perm() != 0o700 {
		return fmt.Errorf("%s exists and is not this user's private directory", dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.Mkdir(dir, 0o700)
}

// skipRPMDBFile reports the files of a database directory a query does not
// need and that belong to the open database, not its content: sqlite's
// shared memory, rpm's lock, Berkeley DB's environment.
func skipRPMDBFile(name string) bool {
	return strings.HasSuffix(name, "-shm") || name == ".rpm.lock" || name == ".dbenv.lock" || strings.HasPrefix(name, "__db.")
}

// CopyRPMDB copies the regular files of the RPM database directory dbDir
// (a path inside root) into dst, reading through the root. rpm opens even
// a database it only queries read-write: sqlite's -wal and -shm files are
// created and written next to it, and a missing database is created. So
// another root's database is never handed to rpm in place.
func CopyRPMDB(root hostfs.Root, dbDir, dst string) error {
	entries, err := root.ReadDir(dbDir)
	if err != nil {
		return fmt.Errorf("copy rpm database: %w", err)
	}
	var total int64
	for _, e := range entries {
		if !e.Type().IsRegular() || skipRPMDBFile(e.Name()) {
			continue
		}
		n, err := copyRootFile(root, path.Join(dbDir, e.Name()), filepath.Join(dst, e.Name()), MaxRPMDBCopy-total)
		if err != nil {
			return fmt.Errorf("copy rpm database: %w", err)
		}
		total += n
	}
	return nil
}

func copyRootFile(root hostfs.Root, src, dst string, room int64) (int64, error) {
	in, err := root.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(in, room+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > room {
		err = fmt.Errorf("%s: %w (%d bytes)", src, ErrDatabaseTooLarge, int64(MaxRPMDBCopy))
	}
	return n, err
}

// RPMDBPath returns the directory of the root's RPM database, as a path
// inside the root, or ErrNoDatabase.
func RPMDBPath(root hostfs.Root) (string, error) {
	_, p, err := rpmQuery(root)
	return p, err
}
