//go:build unix

package hostfs

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// loc is a resolved host path: name inside the directory descriptor dir.
// Below a root other than "/", name is a single component that was not a
// symlink when resolved (unless the final component was not to be
// followed), and every operation on it is done with O_NOFOLLOW semantics,
// so that nothing re-resolves a path through the scanning machine's
// namespace. On the live root dir is AT_FDCWD, name the cleaned absolute
// path, and follow says whether the kernel follows a final symlink.
type loc struct {
	dir    int
	name   string
	follow bool
}

func (l loc) close() {
	if l.dir != unix.AT_FDCWD {
		unix.Close(l.dir)
	}
}

// atFlags and openFlags are the flags of an *at call on l.
func (l loc) atFlags() int {
	if l.follow {
		return 0
	}
	return unix.AT_SYMLINK_NOFOLLOW
}

func (l loc) openFlags() int {
	if l.follow {
		return 0
	}
	return unix.O_NOFOLLOW
}

// locate resolves the host path p, following a final symlink if
// followLast. Below a root other than "/" it uses openat2 where the kernel
// has it and the walk otherwise.
func (r Root) locate(p string, followLast bool) (loc, error) {
	if err := r.denied.check(p); err != nil {
		return loc{}, err
	}
	if r.IsSlash() {
		return loc{dir: unix.AT_FDCWD, name: path.Clean("/" + p), follow: followLast}, nil
	}
	rootfd, err := unix.Open(r.dir, rootFlags, 0)
	if err != nil {
		return loc{}, &fs.PathError{Op: "open root", Path: r.dir, Err: err}
	}
	if !r.walk {
		l, ok, err := locateOpenat2(rootfd, p, followLast)
		if ok {
			unix.Close(rootfd)
			return l, err
		}
	}
	w := walker{fds: []int{rootfd}}
	l, err := w.walk(p, followLast)
	w.closeAll()
	return l, err
}

// resolvePath is Resolve below a root other than "/": the walk, keeping
// the names of the directories it went through.
func (r Root) resolvePath(p string) (string, error) {
	rootfd, err := unix.Open(r.dir, rootFlags, 0)
	if err != nil {
		return "", &fs.PathError{Op: "open root", Path: r.dir, Err: err}
	}
	w := walker{fds: []int{rootfd}, names: []string{r.dir}}
	l, err := w.walk(p, true)
	w.closeAll()
	if err != nil {
		if errors.Is(err, ErrLoop) {
			return "", err
		}
		// A missing or unusable directory: the rest, literally, for the
		// caller's own operation to report.
		return filepath.Join(append(w.names, w.rest...)...), nil
	}
	l.close()
	return filepath.Join(append(w.names, l.name)...), nil
}

// walker resolves a host path one component at a time from a descriptor
// of the root, as openat2's RESOLVE_IN_ROOT does: each directory is
// opened with O_NOFOLLOW relative to the one before, a symlink is read
// with readlinkat and its target resolved by the walker itself (an
// absolute one from the root), and ".." never goes above the root.
type walker struct {
	fds   []int    // directories gone through; fds[0] is the root
	names []string // their names, when Resolve needs them
	rest  []string // components not yet resolved
}

// walk resolves p and returns the final component's location; the
// returned loc owns its descriptor, closeAll closes the others.
func (w *walker) walk(p string, followLast bool) (loc, error) {
	w.rest = splitPath(p)
	hops := 0
	for len(w.rest) > 0 {
		c := w.rest[0]
		w.rest = w.rest[1:]
		last := len(w.rest) == 0
		switch c {
		case ".":
			continue
		case "..":
			w.pop()
			continue
		}
		top := w.fds[len(w.fds)-1]
		var err error
		if last {
			if !followLast || !isSymlinkAt(top, c) {
				return w.take(c), nil
			}
		} else {
			fd, oerr := unix.Openat(top, c, dirFlags|unix.O_NOFOLLOW, 0)
			if oerr == nil {
				w.push(fd, c)
				continue
			}
			if !maybeSymlink(oerr) {
				w.rest = append([]string{c}, w.rest...)
				return loc{}, &fs.PathError{Op: "open", Path: p, Err: oerr}
			}
			err = oerr
		}
		target, lerr := readlinkAt(top, c)
		if lerr != nil {
			if last {
				return w.take(c), nil // no longer a symlink: the operation reports
			}
			w.rest = append([]string{c}, w.rest...)
			return loc{}, &fs.PathError{Op: "open", Path: p, Err: err}
		}
		if hops++; hops > maxSymlinks {
			return loc{}, &fs.PathError{Op: "open", Path: p, Err: loopError{}}
		}
		if target == "" {
			return loc{}, &fs.PathError{Op: "open", Path: p, Err: unix.ENOENT}
		}
		if strings.HasPrefix(target, "/") {
			for len(w.fds) > 1 {
				w.pop()
			}
		}
		w.rest = append(splitPath(target), w.rest...)
	}
	return w.take("."), nil
}

func (w *walker) push(fd int, name string) {
	w.fds = append(w.fds, fd)
	if w.names != nil {
		w.names = append(w.names, name)
	}
}

// pop goes to the parent, never above the root.
func (w *walker) pop() {
	if len(w.fds) == 1 {
		return
	}
	unix.Close(w.fds[len(w.fds)-1])
	w.fds = w.fds[:len(w.fds)-1]
	if w.names != nil {
		w.names = w.names[:len(w.names)-1]
	}
}

// take hands the current directory's descriptor to the returned loc.
func (w *walker) take(name string) loc {
	fd := w.fds[len(w.fds)-1]
	w.fds = w.fds[:len(w.fds)-1]
	return loc{dir: fd, name: name}
}

func (w *walker) closeAll() {
	for _, fd := range w.fds {
		unix.Close(fd)
	}
	w.fds = nil
}

// maybeSymlink reports whether an O_NOFOLLOW|O_DIRECTORY open failed in a
// way a symlink makes it fail (Linux: ELOOP or ENOTDIR; FreeBSD: EMLINK).
func maybeSymlink(err error) bool {
	return errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.EMLINK)
}

func isSymlinkAt(dir int, name string) bool {
	var st unix.Stat_t
	return unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && uint32(st.Mode)&unix.S_IFMT == unix.S_IFLNK
}

// readlinkAt reads the symlink name in dir, however long its target.
func readlinkAt(dir int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dir, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}
