package hostfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// DefaultLimit is the read cap of ReadFile: version and release files are
// tiny, so anything larger is treated as hostile or corrupt.
const DefaultLimit = 1 << 20

// maxSymlinks bounds symlink resolution, as the kernel's MAXSYMLINKS does.
const maxSymlinks = 40

// Root is the host's root directory: "/" on a live scan, a mounted image or
// a container's view of the host (/host) otherwise, a fixture tree in tests.
// All host paths handed to Root's methods are absolute host paths such as
// "/etc/os-release"; Root maps them below its directory and resolves
// symlinks, absolute ones included, against itself, never against the
// process's own "/". Below a root other than "/", every method resolves
// through descriptors (see doc.go), so a directory swapped for a symlink
// while a method runs cannot make it reach outside the root.
type Root struct {
	dir string
	// walk forces the component-by-component walk where openat2 would
	// do, so that tests cover both on one kernel.
	walk bool
	// denied are host paths refused with fs.ErrPermission (see Deny).
	denied *deniedPaths
	// log, when set, records every host path asked about (see Record).
	log *AccessLog
}

// New returns the Root for dir, which must be an existing directory.
func New(dir string) (Root, error) {
	if dir == "" {
		dir = "/"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Root{}, fmt.Errorf("root %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return Root{}, fmt.Errorf("root %s: %w", dir, err)
	}
	if !st.IsDir() {
		return Root{}, fmt.Errorf("root %s: not a directory", dir)
	}
	return Root{dir: abs}, nil
}

// Deny returns a copy of r on which the host paths ps, and everything
// below them, are refused with an error wrapping fs.ErrPermission, as a
// root-only file is to an unprivileged scan. It is for tests, which may
// run as root, where chmod denies nothing. Paths are matched as given
// (cleaned), before symlinks are resolved.
func (r Root) Deny(ps ...string) Root {
	d := &deniedPaths{}
	if r.denied != nil {
		d.paths = append(d.paths, r.denied.paths...)
	}
	for _, p := range ps {
		d.paths = append(d.paths, path.Clean("/"+p))
	}
	r.denied = d
	return r
}

type deniedPaths struct{ paths []string }

// Record returns a copy of r that notes in log every host path its methods
// are asked about (a Glob notes its pattern, not the directories it
// walks). It is for tests that check what a collector declares it reads.
func (r Root) Record(log *AccessLog) Root {
	r.log = log
	return r
}

// AccessLog is the set of host paths a recording Root was asked about.
// It is safe for concurrent use.
type AccessLog struct {
	mu    sync.Mutex
	paths map[string]bool
}

// Paths returns the recorded host paths (and glob patterns), sorted.
func (l *AccessLog) Paths() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.paths))
	for p := range l.paths {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (r Root) note(p string) {
	if r.log == nil {
		return
	}
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	if r.log.paths == nil {
		r.log.paths = map[string]bool{}
	}
	r.log.paths[path.Clean("/"+p)] = true
}

// check returns the permission error of the host path p when it is denied.
func (d *deniedPaths) check(p string) error {
	if d == nil {
		return nil
	}
	p = path.Clean("/" + p)
	for _, q := range d.paths {
		if p == q || strings.HasPrefix(p, q+"/") || q == "/" {
			return &fs.PathError{Op: "open", Path: p, Err: fs.ErrPermission}
		}
	}
	return nil
}

// Live returns the root "/" of the scanning machine.
func Live() Root { return Root{dir: "/"} }

// Dir returns the root's directory on the scanning machine.
func (r Root) Dir() string {
	if r.dir == "" {
		return "/"
	}
	return r.dir
}

// IsSlash reports whether the root is the scanning machine's own "/": host
// paths need no prefix, and a package manager needs no alternate-root
// option. It is a path question only; whether the root is a running host
// whose live facts may be read is collectors.Deps.Live's to say.
func (r Root) IsSlash() bool { return r.Dir() == "/" }

// Resolve maps the host path p to a path on the scanning machine, following
// symlinks inside the root. The final component is followed too. A missing
// component is not an error: the unresolved remainder is appended, so the
// caller's open or stat reports fs.ErrNotExist as usual.
//
// The path is for display and for external commands that take a path
// (apt's Dir::State::status, rpm's --dbpath). It is resolved safely, but
// anything that opens it later resolves it again through the scanning
// machine's namespace, where a component swapped for a symlink since leads
// outside the root. Never open it in Go: use Root's methods.
func (r Root) Resolve(p string) (string, error) {
	r.note(p)
	if r.IsSlash() {
		return path.Clean("/" + p), nil
	}
	return r.resolvePath(p)
}

func splitPath(p string) []string {
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Open opens the host file p, which must be a regular file, for reading; a
// directory, FIFO, socket or device gives an error wrapping ErrNotRegular.
func (r Root) Open(p string) (*os.File, error) {
	r.note(p)
	l, err := r.locate(p, true)
	if err != nil {
		return nil, err
	}
	defer l.close()
	return l.openRegular(p)
}

// ReadFile reads the host file p, up to DefaultLimit bytes; larger files give
// an error wrapping ErrTooLarge. It reads procfs and sysfs files correctly,
// whose reported size is meaningless. Anything but a regular file gives an
// error wrapping ErrNotRegular.
func (r Root) ReadFile(p string) ([]byte, error) {
	return r.ReadFileLimit(p, DefaultLimit)
}

// ReadFileLimit is ReadFile with an explicit cap of limit bytes.
func (r Root) ReadFileLimit(p string, limit int64) ([]byte, error) {
	f, err := r.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: p, Err: err}
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read %s: %w (%d bytes)", p, ErrTooLarge, limit)
	}
	return b, nil
}

// ReadHead reads at most n bytes from the start of the host file p, for
// files where only the beginning matters (version headers). Like ReadFile
// it refuses anything but a regular file.
func (r Root) ReadHead(p string, n int64) ([]byte, error) {
	f, err := r.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: p, Err: err}
	}
	return b, nil
}

// Stat returns the FileInfo of the host path p, following symlinks. Its
// Sys is a *unix.Stat_t (see FileID).
func (r Root) Stat(p string) (fs.FileInfo, error) {
	return r.stat(p, true)
}

// Lstat returns the FileInfo of the host path p without following a final
// symlink.
func (r Root) Lstat(p string) (fs.FileInfo, error) {
	return r.stat(p, false)
}

func (r Root) stat(p string, follow bool) (fs.FileInfo, error) {
	r.note(p)
	l, err := r.locate(p, follow)
	if err != nil {
		return nil, err
	}
	defer l.close()
	return l.stat(p)
}

// Readlink returns the target of the symlink at host path p, as stored.
func (r Root) Readlink(p string) (string, error) {
	r.note(p)
	l, err := r.locate(p, false)
	if err != nil {
		return "", err
	}
	defer l.close()
	return l.readlink(p)
}

// ReadDir lists the host directory p, sorted by name. An entry's Info is an
// Lstat of it through the root.
func (r Root) ReadDir(p string) ([]fs.DirEntry, error) {
	l, err := r.ListDir(p, -1, true)
	return l.Entries, err
}

// Listing is what ListDir found in one directory.
type Listing struct {
	// Dir is the listed directory's own FileInfo, from the descriptor
	// that was listed (so it is the directory the entries are in).
	Dir fs.FileInfo
	// Entries are sorted by name.
	Entries []fs.DirEntry
	// Capped is true when the directory holds more than the limit:
	// Entries are then the first limit entries in directory order.
	Capped bool
}

// ListDir lists at most limit entries (limit < 0: all) of the host
// directory p. With followLast false a final symlink is not followed and
// the listing fails (syscall.ELOOP or ENOTDIR), as when a directory was
// swapped for a link since its parent was listed.
func (r Root) ListDir(p string, limit int, followLast bool) (Listing, error) {
	r.note(p)
	l, err := r.locate(p, followLast)
	if err != nil {
		return Listing{}, err
	}
	defer l.close()
	return l.list(r, p, limit)
}

// Exists reports whether the host path p exists (following symlinks). A
// permission error counts as existing: the path is there, only unreadable.
func (r Root) Exists(p string) bool {
	_, err := r.Stat(p)
	return err == nil || errors.Is(err, fs.ErrPermission)
}

// Glob returns the host paths matching pattern (path.Match syntax in every
// component), sorted. Symlinked directories inside the root are followed
// through the root. Unreadable directories are skipped.
func (r Root) Glob(pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("glob %q: %w", pattern, err)
	}
	r.note(pattern)
	r.log = nil // the walk's own stats and listings are the pattern's
	matches := []string{"/"}
	for _, comp := range splitPath(pattern) {
		var next []string
		for _, m := range matches {
			if !hasMeta(comp) {
				p := path.Join(m, comp)
				if _, err := r.Lstat(p); err == nil {
					next = append(next, p)
				}
				continue
			}
			entries, err := r.ReadDir(m)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if ok, _ := path.Match(comp, e.Name()); ok {
					next = append(next, path.Join(m, e.Name()))
				}
			}
		}
		matches = next
		if len(matches) == 0 {
			return nil, nil
		}
	}
	sort.Strings(matches)
	return matches, nil
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }
