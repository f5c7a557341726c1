package hostfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// rootFlags opens the root directory; dirFlags each directory the walk
// goes through. O_PATH needs no permission on the directory itself, as
// path resolution needs none (search permission is still checked on the
// way through).
const (
	rootFlags = unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC
	dirFlags  = unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC
)

// openat2Missing is set once the kernel has refused openat2: not there
// (ENOSYS, before Linux 5.6) or filtered (EPERM from a seccomp profile;
// E2BIG from a kernel without the struct we pass). It only ever records
// what the kernel answered.
var openat2Missing atomic.Bool

// openat2Retries bounds the retries of an openat2 that answers EAGAIN (a
// rename or mount raced with ".." resolution); after them the walk, which
// has no such failure, takes over.
const openat2Retries = 8

// locateOpenat2 resolves p below rootfd with openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS): the directory holding the final component is
// opened by the kernel, scoped to the root; a final symlink to follow is
// read and its target resolved the same way (an absolute one from the
// root, a relative one from the symlink's directory). ok is false when
// openat2 cannot be used and the walk must do it.
func locateOpenat2(rootfd int, p string, followLast bool) (l loc, ok bool, err error) {
	if openat2Missing.Load() {
		return loc{}, false, nil
	}
	cur := p
	for hops := 0; ; hops++ {
		if hops > maxSymlinks {
			return loc{}, true, &fs.PathError{Op: "open", Path: p, Err: loopError{}}
		}
		parent, name := splitLast(cur)
		dir, err := openat2(rootfd, parent)
		if err != nil {
			if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.E2BIG) {
				openat2Missing.Store(true)
				return loc{}, false, nil
			}
			if errors.Is(err, unix.EAGAIN) {
				return loc{}, false, nil
			}
			return loc{}, true, pathError("open", p, err)
		}
		if name == "." || !followLast || !isSymlinkAt(dir, name) {
			return loc{dir: dir, name: name}, true, nil
		}
		target, err := readlinkAt(dir, name)
		unix.Close(dir)
		if err != nil || target == "" {
			// Changed since, or an empty link (ENOENT, as the kernel
			// says): the walk decides.
			return loc{}, false, nil
		}
		if strings.HasPrefix(target, "/") {
			cur = target
		} else {
			cur = parent + "/" + target
		}
	}
}

// openat2 opens the directory p below rootfd for path operations.
func openat2(rootfd int, p string) (int, error) {
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for range openat2Retries {
		fd, err := unix.Openat2(rootfd, p, &how)
		if !errors.Is(err, unix.EAGAIN) {
			return fd, err
		}
	}
	return -1, unix.EAGAIN
}

// splitLast splits p into the directory to open and the final component;
// a path ending in "." or ".." (or naming the root) is the directory
// itself, ".".
func splitLast(p string) (dir, name string) {
	parts := splitPath(p)
	if len(parts) == 0 {
		return ".", "."
	}
	last := parts[len(parts)-1]
	if last == "." || last == ".." {
		return strings.Join(parts, "/"), "."
	}
	if len(parts) == 1 {
		return ".", last
	}
	return strings.Join(parts[:len(parts)-1], "/"), last
}

// readDir calls fn with each entry of the directory fd (f is its
// os.File), its type and whether the filesystem reported the type, until
// fn returns false. It parses getdents64 records itself, since
// os.File.ReadDir needs a path string for entries of unknown type.
func readDir(_ *os.File, fd int, fn func(name string, typ fs.FileMode, known bool) bool) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
		for off := 0; off < n; {
			if off+19 > n {
				return fmt.Errorf("getdents: short record")
			}
			reclen := int(binary.NativeEndian.Uint16(buf[off+16:]))
			if reclen < 19 || off+reclen > n {
				return fmt.Errorf("getdents: bad record length %d", reclen)
			}
			name := buf[off+19 : off+reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			typ, known := direntType(buf[off+18])
			off += reclen
			if s := string(name); s != "." && s != ".." && s != "" {
				if !fn(s, typ, known) {
					return nil
				}
			}
		}
	}
}

func direntType(t byte) (fs.FileMode, bool) {
	switch t {
	case unix.DT_REG:
		return 0, true
	case unix.DT_DIR:
		return fs.ModeDir, true
	case unix.DT_LNK:
		return fs.ModeSymlink, true
	case unix.DT_FIFO:
		return fs.ModeNamedPipe, true
	case unix.DT_SOCK:
		return fs.ModeSocket, true
	case unix.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice, true
	case unix.DT_BLK:
		return fs.ModeDevice, true
	}
	return 0, false
}
