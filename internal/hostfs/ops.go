//go:build unix

package hostfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"sort"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// stat returns the FileInfo of l; p names it in errors.
func (l loc) stat(p string) (fs.FileInfo, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(l.dir, l.name, &st, l.atFlags()); err != nil {
		return nil, pathError("stat", p, err)
	}
	return newFileInfo(path.Base("/"+p), &st), nil
}

func (l loc) readlink(p string) (string, error) {
	s, err := readlinkAt(l.dir, l.name)
	if err != nil {
		return "", pathError("readlink", p, err)
	}
	return s, nil
}

// openRegular opens l for reading if it is a regular file. A FIFO or
// device is refused from its lstat, before any open; the open itself is
// non-blocking and checked again with fstat, so a file swapped for a FIFO
// in between cannot block either.
func (l loc) openRegular(p string) (*os.File, error) {
	fi, err := l.stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: p, Err: notRegularError{fi.Mode()}}
	}
	fd, err := unix.Openat(l.dir, l.name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC|l.openFlags(), 0)
	if err != nil {
		return nil, pathError("open", p, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, pathError("stat", p, err)
	}
	if m := newFileInfo("", &st).Mode(); !m.IsRegular() {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: p, Err: notRegularError{m}}
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, pathError("open", p, err)
	}
	return os.NewFile(uintptr(fd), p), nil
}

// list lists at most limit entries of the directory l (limit < 0: all),
// naming it p. Entry types come from the directory itself where the
// filesystem reports them, from an fstatat relative to the listed
// descriptor where it does not: os.File.ReadDir would lstat a path string
// there. An entry's Info is an Lstat through r.
func (l loc) list(r Root, p string, limit int) (Listing, error) {
	fd, err := unix.Openat(l.dir, l.name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|l.openFlags(), 0)
	if err != nil {
		return Listing{}, pathError("open", p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return Listing{}, pathError("stat", p, err)
	}
	out := Listing{Dir: newFileInfo(path.Base("/"+p), &st)}
	var ents []dirEntry
	err = readDir(f, fd, func(name string, typ fs.FileMode, known bool) bool {
		if limit >= 0 && len(ents) == limit {
			out.Capped = true
			return false
		}
		e := dirEntry{name: name, typ: typ, r: r, p: path.Join("/", p, name)}
		if !known {
			var est unix.Stat_t
			if err := unix.Fstatat(fd, name, &est, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return true // removed since it was listed
			}
			fi := newFileInfo(name, &est)
			e.typ, e.info = fi.Mode().Type(), fi
		}
		ents = append(ents, e)
		return true
	})
	if err != nil {
		return Listing{}, pathError("readdir", p, err)
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].name < ents[j].name })
	out.Entries = make([]fs.DirEntry, len(ents))
	for i := range ents {
		out.Entries[i] = ents[i]
	}
	return out, nil
}

func pathError(op, p string, err error) error {
	if errors.Is(err, unix.ELOOP) {
		err = loopError{}
	}
	return &fs.PathError{Op: op, Path: p, Err: err}
}

// FileID returns the device and inode numbers of fi, a FileInfo from a
// Root (or from the os package), to recognise a directory seen twice.
func FileID(fi fs.FileInfo) (dev, ino uint64, ok bool) {
	switch st := fi.Sys().(type) {
	case *unix.Stat_t:
		return uint64(st.Dev), uint64(st.Ino), true
	case *syscall.Stat_t:
		return uint64(st.Dev), uint64(st.Ino), true
	}
	return 0, 0, false
}

// fileInfo is an fs.FileInfo from a unix.Stat_t.
type fileInfo struct {
	name string
	st   unix.Stat_t
}

func newFileInfo(name string, st *unix.Stat_t) fileInfo { return fileInfo{name: name, st: *st} }

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.st.Size }
func (fi fileInfo) IsDir() bool        { return fi.Mode().IsDir() }
func (fi fileInfo) Sys() any           { return &fi.st }
func (fi fileInfo) ModTime() time.Time { return time.Unix(fi.st.Mtim.Unix()) }

// Mode converts st_mode as the os package does.
func (fi fileInfo) Mode() fs.FileMode {
	m := uint32(fi.st.Mode)
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFREG:
	default:
		mode |= fs.ModeIrregular
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// dirEntry is an fs.DirEntry of a listing: its type as listed, its Info
// an Lstat through the root (taken when listed where the type had to be).
type dirEntry struct {
	name string
	typ  fs.FileMode
	info fs.FileInfo
	r    Root
	p    string
}

func (e dirEntry) Name() string      { return e.name }
func (e dirEntry) IsDir() bool       { return e.typ.IsDir() }
func (e dirEntry) Type() fs.FileMode { return e.typ }
func (e dirEntry) String() string    { return fs.FormatDirEntry(e) }

func (e dirEntry) Info() (fs.FileInfo, error) {
	if e.info != nil {
		return e.info, nil
	}
	return e.r.Lstat(e.p)
}
