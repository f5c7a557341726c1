package fsafe

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// ErrUntrusted means a path is not the agent's own: a directory another
// user owns or may write to, a symlink where a directory or a file must
// be, a special file, or another user's file. Nothing is read from it.
var ErrUntrusted = errors.New("not the agent's own")

// UntrustedError says which path is not the agent's own, whose it is and
// what to do. It is ErrUntrusted.
type UntrustedError struct {
	// Path is the file or directory.
	Path string
	// Owner is its owner's uid, or -1 when not known.
	Owner int
	// Problem says what is wrong with it and how to fix it.
	Problem string
}

func (e *UntrustedError) Error() string { return e.Path + ": " + e.Problem }

// Is makes an UntrustedError match ErrUntrusted.
func (e *UntrustedError) Is(target error) bool { return target == ErrUntrusted }

// Trusted reports whether uid may own what the agent reads: this
// process's user, or root (who can do anything anyway).
func Trusted(uid int) bool { return uid == os.Geteuid() || uid == 0 }

// Owner is the uid that owns fi, or -1 when not known.
func Owner(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// UserName is "uid N (name)", or "uid N" when the name is not known.
func UserName(uid int) string {
	s := "uid " + strconv.Itoa(uid)
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		s += " (" + u.Username + ")"
	}
	return s
}

// SudoUser names uid as sudo -u takes it.
func SudoUser(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "'#" + strconv.Itoa(uid) + "'"
}

// Tightened is a directory of the agent's own that group or others could
// write to, set to mode DirMode.
type Tightened struct {
	// Path is the directory.
	Path string
	// Was is its mode before.
	Was fs.FileMode
}

// DirMode is the mode of every directory the agent makes for itself.
const DirMode = 0o700

// CheckDir checks that p (reached with stat: os.Stat follows a symlink
// to it, os.Lstat does not) is a trusted directory. risk says what its
// owner could do if it were another user ("could place reports in it to
// be sent with the agent's token"). With tighten, a directory of a
// trusted owner that group or others may write to is set to DirMode and
// returned; without, it is refused.
func CheckDir(p string, stat func(string) (fs.FileInfo, error), tighten bool, risk string) ([]Tightened, error) {
	fi, err := stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &UntrustedError{Path: p, Owner: Owner(fi), Problem: fmt.Sprintf("is a %s, not a directory: remove it", Kind(fi.Mode()))}
	}
	return CheckDirInfo(p, fi, tighten, risk)
}

// CheckDirInfo is CheckDir for a directory already stat'ed.
func CheckDirInfo(p string, fi fs.FileInfo, tighten bool, risk string) ([]Tightened, error) {
	uid := Owner(fi)
	if !Trusted(uid) {
		return nil, &UntrustedError{Path: p, Owner: uid, Problem: fmt.Sprintf(
			"is owned by %s, not by this process's %s: that user %s; "+
				"if that user is the agent's, run demarc as it (sudo -u %s demarc …); otherwise remove the directory or chown -R %d %s",
			UserName(uid), UserName(os.Geteuid()), risk, SudoUser(uid), os.Geteuid(), p)}
	}
	m := fi.Mode()
	if m.Perm()&0o022 == 0 {
		return nil, nil
	}
	if !tighten {
		return nil, &UntrustedError{Path: p, Owner: uid, Problem: fmt.Sprintf(
			"is mode %04o: group or others may write to it; chmod 0700 %s (the agent does so when it starts or reloads)", ModeBits(m), p)}
	}
	if err := os.Chmod(p, DirMode); err != nil {
		return nil, fmt.Errorf("tighten %s (mode %04o): %w", p, ModeBits(m), err)
	}
	return []Tightened{{Path: p, Was: m}}, nil
}

// ModeBits is the permission, setuid, setgid and sticky bits as chmod
// takes them.
func ModeBits(m fs.FileMode) uint32 {
	b := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// Kind names a file type for messages.
func Kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsDir():
		return "directory"
	case m.IsRegular():
		return "regular file"
	}
	return "special file"
}

// OpenRegular opens a regular file without following a symlink and
// without blocking on a FIFO, and returns it with its owner.
func OpenRegular(path string) (*os.File, int, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, -1, &UntrustedError{Path: path, Owner: -1, Problem: "is a symlink: never read"}
	}
	if err != nil {
		return nil, -1, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, -1, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, Owner(fi), &UntrustedError{Path: path, Owner: Owner(fi),
			Problem: "is a " + Kind(fi.Mode()) + ", not a regular file: never read"}
	}
	return f, Owner(fi), nil
}

// ReadAll reads at most limit+1 bytes of f (so that the caller can tell
// a file over the limit).
func ReadAll(f *os.File, path string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// ReadCapped reads at most limit+1 bytes of a regular file (see
// OpenRegular).
func ReadCapped(path string, limit int64) ([]byte, error) {
	f, _, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, path, limit)
}
