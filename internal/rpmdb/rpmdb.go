// Package rpmdb reads the RPM package database without rpm: the SQLite
// rpmdb.sqlite (rpm ≥ 4.16: RHEL 9, Fedora 33+), the NDB Packages.db
// (SUSE) and the Berkeley DB hash Packages (RHEL ≤ 8, CentOS 7, Amazon
// Linux 2), and the header blobs they hold. It only reads, every file
// through hostfs.Root, and links no SQL driver: the SQLite file format is
// read by hand (table b-tree pages, overflow pages, the write-ahead log's
// committed frames).
package rpmdb

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/demarc/demarc/internal/hostfs"
)

// Backend is one on-disk format of the RPM database.
type Backend string

// The backends, named as rpm's %_db_backend names them.
const (
	SQLite Backend = "sqlite"
	NDB    Backend = "ndb"
	BDB    Backend = "bdb"
)

// files are each backend's package file in the database directory, in the
// order rpm's backend detection prefers them.
var files = []struct {
	name    string
	backend Backend
}{
	{"rpmdb.sqlite", SQLite},
	{"Packages.db", NDB},
	{"Packages", BDB},
}

// ErrNoDatabase means the directory holds no package file of any backend.
var ErrNoDatabase = errors.New("no rpm package database file")

// ErrAmbiguous means the directory holds the package files of more than
// one backend: which one rpm reads depends on its %_db_backend, which is
// rpm's configuration, not the database.
var ErrAmbiguous = errors.New("package files of more than one rpm database backend")

// maxWAL caps the write-ahead log read into memory.
const maxWAL = 256 << 20

// DB is one RPM database as read.
type DB struct {
	// Path is the package file, as a path inside the root.
	Path    string
	Backend Backend
	Headers []*Header
}

// Read reads the RPM database in dir (a path inside root, such as
// /var/lib/rpm).
func Read(root hostfs.Root, dir string) (*DB, error) {
	var found []int
	for i, f := range files {
		if fi, err := root.Stat(path.Join(dir, f.name)); err == nil && fi.Mode().IsRegular() {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%s: %w", dir, ErrNoDatabase)
	case 1:
	default:
		return nil, fmt.Errorf("%s: %w", dir, ErrAmbiguous)
	}
	f := files[found[0]]
	p := path.Join(dir, f.name)
	db := &DB{Path: p, Backend: f.backend}
	fh, err := root.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	var blobs [][]byte
	switch f.backend {
	case SQLite:
		wal, werr := root.ReadFileLimit(p+"-wal", maxWAL)
		if werr != nil && !errors.Is(werr, fs.ErrNotExist) {
			return nil, fmt.Errorf("read %s-wal: %w", p, werr)
		}
		blobs, err = ReadSQLite(fh, fi.Size(), wal)
	case NDB:
		blobs, err = ReadNDB(fh, fi.Size())
	case BDB:
		blobs, err = ReadBDB(fh, fi.Size())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	db.Headers, err = parseAll(blobs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return db, nil
}

// ReadFile reads one package file of the given backend from r (tests,
// tools).
func ReadFile(b Backend, r io.ReaderAt, size int64) ([]*Header, error) {
	var blobs [][]byte
	var err error
	switch b {
	case SQLite:
		blobs, err = ReadSQLite(r, size, nil)
	case NDB:
		blobs, err = ReadNDB(r, size)
	case BDB:
		blobs, err = ReadBDB(r, size)
	default:
		return nil, fmt.Errorf("unknown rpm database backend %q", b)
	}
	if err != nil {
		return nil, err
	}
	return parseAll(blobs)
}

func parseAll(blobs [][]byte) ([]*Header, error) {
	out := make([]*Header, 0, len(blobs))
	for i, b := range blobs {
		h, err := ParseHeader(b)
		if err != nil {
			return nil, fmt.Errorf("package %d: %w", i, err)
		}
		out = append(out, h)
	}
	return out, nil
}
