// Package pkgdb reads the host's installed-package database: dpkg's status
// file, apk's installed database, or the RPM database, natively
// (internal/rpmdb) and through rpm only where the native reader cannot
// (another root's database then from a private copy, never in place).
// Files are preferred to commands where a file holds the truth. Collectors
// share one read per scan through Cache.
package pkgdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgver"
	"github.com/demarc/demarc/internal/rpmdb"
)

// The database locations and the rpm query, as read from the host root.
const (
	DpkgStatus   = "/var/lib/dpkg/status"
	APKInstalled = "/lib/apk/db/installed"
	rpmQueryFmt  = "%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n"
)

// Files are the databases Cache reads (an RPM database directory through
// rpm, on a private copy), for the Sources of the collectors that use it.
var (
	Files = append([]string{DpkgStatus, APKInstalled}, rpmDBPaths...)
	// Commands: the RPM query, where the database's format needs rpm.
	Commands = []string{"rpm --dbpath <private copy> -qa --qf <name, epoch:version-release, arch> (RPM hosts, shared per scan)"}
)

// maxDBSize caps a database file: a large server's dpkg status is a few
// MiB; anything past this is not a status file.
const maxDBSize = 64 << 20

// ErrNoDatabase means no supported package database exists under the root.
var ErrNoDatabase = errors.New("no package database found")

// Package is one installed package.
type Package struct {
	Name    string
	Version string // as the manager prints it, epoch included ("1:2.3-4")
	Arch    string
	// Source is the source package (dpkg), when it differs from Name.
	Source string
	// Provides are an RPM package's capabilities, when the database was
	// read natively (rpm -qa does not list them).
	Provides []rpmdb.Provide
}

// DB is the set of installed packages of one host.
type DB struct {
	// Format is the version syntax of the database.
	Format pkgver.Format
	// Source is the file or command the list was read from.
	Source string
	// Packages is sorted by name, then version order.
	Packages []Package
}

// Get returns every installed package called name (several on multi-arch
// or multi-version installs such as kernels).
func (db *DB) Get(name string) []Package {
	i := sort.Search(len(db.Packages), func(i int) bool { return db.Packages[i].Name >= name })
	var out []Package
	for ; i < len(db.Packages) && db.Packages[i].Name == name; i++ {
		out = append(out, db.Packages[i])
	}
	return out
}

// WithPrefix returns every installed package whose name starts with prefix.
func (db *DB) WithPrefix(prefix string) []Package {
	i := sort.Search(len(db.Packages), func(i int) bool { return db.Packages[i].Name >= prefix })
	var out []Package
	for ; i < len(db.Packages) && strings.HasPrefix(db.Packages[i].Name, prefix); i++ {
		out = append(out, db.Packages[i])
	}
	return out
}

func (db *DB) sort() {
	sort.SliceStable(db.Packages, func(i, j int) bool {
		a, b := db.Packages[i], db.Packages[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		c, err := pkgver.Compare(db.Format, a.Version, b.Version)
		if err != nil {
			return a.Version < b.Version
		}
		return c < 0
	})
}

// Read reads the installed-package database under root: dpkg, then apk,
// then the RPM database: natively (Source is the package file), or, where
// the native reader cannot (a backend it does not know, the files of two
// backends, a damaged file), through rpm, with Source saying why. It
// returns ErrNoDatabase when none exists.
func Read(ctx context.Context, root hostfs.Root, run execx.Runner) (*DB, error) {
	for _, src := range []struct {
		path   string
		format pkgver.Format
		parse  func([]byte) ([]Package, error)
	}{
		{DpkgStatus, pkgver.Deb, ParseDpkgStatus},
		{APKInstalled, pkgver.APK, ParseAPKInstalled},
	} {
		b, err := root.ReadFileLimit(src.path, maxDBSize)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", src.path, err)
		}
		pkgs, err := src.parse(b)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", src.path, err)
		}
		db := &DB{Format: src.format, Source: src.path, Packages: pkgs}
		db.sort()
		return db, nil
	}
	argv, dbPath, err := rpmQuery(root)
	if err != nil {
		return nil, err
	}
	native, nerr := rpmdb.Read(root, dbPath)
	if nerr == nil {
		db := &DB{Format: pkgver.RPM, Source: native.Path, Packages: fromHeaders(native.Headers)}
		db.sort()
		return db, nil
	}
	db, err := readWithRPM(ctx, root, run, argv, dbPath)
	if err != nil {
		return nil, fmt.Errorf("%w (read natively: %w)", err, nerr)
	}
	db.Source += " (not read natively: " + clipReason(nerr) + ")"
	return db, nil
}

// fromHeaders turns native headers into packages, without rpm's
// gpg-pubkey pseudo-packages, as ParseRPMQuery does.
func fromHeaders(hs []*rpmdb.Header) []Package {
	out := make([]Package, 0, len(hs))
	for _, h := range hs {
		if h.Name == "gpg-pubkey" {
			continue
		}
		out = append(out, Package{Name: h.Name, Version: h.EVR(), Arch: h.Arch, Provides: h.Provides})
	}
	return out
}

// clipReason shortens an error for a source string.
func clipReason(err error) string {
	s := err.Error()
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// readWithRPM asks rpm, on a private copy for another root.
func readWithRPM(ctx context.Context, root hostfs.Root, run execx.Runner, argv []string, dbPath string) (*DB, error) {
	if !root.IsSlash() {
		rpmCopyMu.Lock()
		defer rpmCopyMu.Unlock()
		dir := rpmCopyDir(root)
		if err := makeCopyDir(dir); err != nil {
			return nil, fmt.Errorf("copy rpm database: %w", err)
		}
		defer os.RemoveAll(dir)
		if err := CopyRPMDB(root, dbPath, dir); err != nil {
			return nil, err
		}
	}
	res, err := run.Run(ctx, execx.Cmd{Argv: argv})
	if err != nil {
		return nil, fmt.Errorf("query rpm database: %w", err)
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("rpm -qa: exit %d: %s", res.ExitCode, firstLine(res.Stderr))
	}
	pkgs, err := ParseRPMQuery(res.Stdout)
	if err != nil {
		return nil, fmt.Errorf("parse rpm -qa: %w", err)
	}
	// The source names the database as the host sees it, not where the
	// scanning machine mounted it.
	src := "rpm -qa"
	if !root.IsSlash() {
		src = "rpm --dbpath " + dbPath + " -qa"
	}
	db := &DB{Format: pkgver.RPM, Source: src, Packages: pkgs}
	db.sort()
	return db, nil
}

// rpmDBPaths are where an RPM database lives: /var/lib/rpm, or
// /usr/lib/sysimage/rpm on newer Fedora, RHEL 10 and SUSE.
var rpmDBPaths = []string{"/var/lib/rpm", "/usr/lib/sysimage/rpm"}

// RPMQueryArgv returns the command that lists the root's installed RPM
// packages, or ErrNoDatabase. The live root asks rpm as it is configured.
// Another root's database is first copied (through the root, so symlinks
// resolve inside it) into a private directory of the scanning machine,
// named by the process and the root, and the command names that copy with
// --dbpath and no --root: rpm opens a database it only queries read-write
// (sqlite's -wal and -shm files, a new database where none is), its own
// default path is not always /var/lib/rpm (Debian's rpm uses ~/.rpmdb), and
// an absolute symlink inside the root must not be followed on the scanning
// machine.
func RPMQueryArgv(root hostfs.Root) ([]string, error) {
	argv, _, err := rpmQuery(root)
	return argv, err
}

// rpmQuery is RPMQueryArgv that also returns the database's path inside
// the root.
func rpmQuery(root hostfs.Root) ([]string, string, error) {
	for _, p := range rpmDBPaths {
		fi, err := root.Stat(p)
		if err != nil || !fi.IsDir() {
			continue
		}
		if root.IsSlash() {
			return []string{"rpm", "-qa", "--qf", rpmQueryFmt}, p, nil
		}
		return []string{"rpm", "--dbpath", rpmCopyDir(root), "-qa", "--qf", rpmQueryFmt}, p, nil
	}
	return nil, "", ErrNoDatabase
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// Cache reads the database once per scan for every collector that needs
// it. The zero value is not usable; use NewCache.
type Cache struct {
	root hostfs.Root
	run  execx.Runner
	once sync.Once
	db   *DB
	err  error
}

// NewCache returns a Cache over root, running commands with run.
func NewCache(root hostfs.Root, run execx.Runner) *Cache {
	return &Cache{root: root, run: run}
}

// Get reads the database on first use and returns the same result after.
func (c *Cache) Get(ctx context.Context) (*DB, error) {
	c.once.Do(func() { c.db, c.err = Read(ctx, c.root, c.run) })
	return c.db, c.err
}
