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
	"syscall"
)

// DefaultLimit is the read cap of ReadFile: version and release files are
// tiny, so anything larger is treated as hostile or corrupt.
const DefaultLimit = 1 << 20

// maxSymlinks bounds symlink resolution, as the kernel's MAXSYMLINKS does.
const maxSymlinks = 40

// ErrTooLarge is returned (wrapped) when a file exceeds the read limit.
var ErrTooLarge = errors.New("file exceeds read limit")

// ErrLoop is returned (wrapped) when resolving a path meets too many
// symlinks.
var ErrLoop = errors.New("too many levels of symbolic links")

// Root is the host's root directory: "/" on a live scan, a mounted image or
// a container's view of the host (/host) otherwise, a fixture tree in tests.
// All host paths handed to Root's methods are absolute host paths such as
// "/etc/os-release"; Root maps them below its directory and resolves
// symlinks, absolute ones included, against itself, never against the
// process's own "/".
type Root struct {
	dir string
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

// Live returns the root of the running system, "/".
func Live() Root { return Root{dir: "/"} }

// Dir returns the root's directory on the scanning machine.
func (r Root) Dir() string {
	if r.dir == "" {
		return "/"
	}
	return r.dir
}

// IsLive reports whether the root is the running system's own "/", the only
// case in which live-only facts (running kernel, uptime, processes) belong to
// the scanned host.
func (r Root) IsLive() bool { return r.Dir() == "/" }

// Resolve maps the host path p to a path on the scanning machine, following
// symlinks inside the root. The final component is followed too. A missing
// component is not an error: the unresolved remainder is appended, so the
// caller's open or stat reports fs.ErrNotExist as usual.
func (r Root) Resolve(p string) (string, error) {
	return r.resolve(p, true)
}

func (r Root) resolve(p string, followLast bool) (string, error) {
	if r.IsLive() {
		return path.Clean("/" + p), nil
	}
	rest := splitPath(p)
	var done []string // resolved components below the root, no symlinks
	hops := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := append(append([]string{}, done...), c)
		if len(rest) == 0 && !followLast {
			done = cur
			break
		}
		real := filepath.Join(r.dir, filepath.Join(cur...))
		fi, err := os.Lstat(real)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			// Missing, unreadable or not a link: keep it literally and let
			// the caller's own operation report the error.
			done = cur
			continue
		}
		hops++
		if hops > maxSymlinks {
			return "", fmt.Errorf("resolve %s: %w", p, ErrLoop)
		}
		target, err := os.Readlink(real)
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", p, err)
		}
		if strings.HasPrefix(target, "/") {
			done = nil
		}
		rest = append(splitPath(target), rest...)
	}
	return filepath.Join(r.dir, filepath.Join(done...)), nil
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

// Open opens the host file p for reading.
func (r Root) Open(p string) (*os.File, error) {
	real, err := r.Resolve(p)
	if err != nil {
		return nil, err
	}
	return os.Open(real)
}

// ReadFile reads the host file p, up to DefaultLimit bytes; larger files give
// an error wrapping ErrTooLarge. It reads procfs and sysfs files correctly,
// whose reported size is meaningless.
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
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: p, Err: syscall.EISDIR}
	}
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
// files where only the beginning matters (version headers).
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

// Stat returns the FileInfo of the host path p, following symlinks.
func (r Root) Stat(p string) (fs.FileInfo, error) {
	real, err := r.Resolve(p)
	if err != nil {
		return nil, err
	}
	return os.Stat(real)
}

// Lstat returns the FileInfo of the host path p without following a final
// symlink.
func (r Root) Lstat(p string) (fs.FileInfo, error) {
	real, err := r.resolve(p, false)
	if err != nil {
		return nil, err
	}
	return os.Lstat(real)
}

// Readlink returns the target of the symlink at host path p, as stored.
func (r Root) Readlink(p string) (string, error) {
	real, err := r.resolve(p, false)
	if err != nil {
		return "", err
	}
	return os.Readlink(real)
}

// ReadDir lists the host directory p, sorted by name.
func (r Root) ReadDir(p string) ([]fs.DirEntry, error) {
	real, err := r.Resolve(p)
	if err != nil {
		return nil, err
	}
	return os.ReadDir(real)
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
