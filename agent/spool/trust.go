package spool

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// dirMode is the mode of every spool directory: the agent's user only.
const dirMode = 0o700

// ErrUntrusted means a spool path is not the agent's own: a directory
// another user owns or may write to, a symlink where a directory or a
// report must be, a special file, or another user's file. Nothing is read
// from it and nothing in it is sent.
var ErrUntrusted = errors.New("not the agent's own")

// UntrustedError says which spool path is not the agent's own, whose it
// is and what to do. It is ErrUntrusted.
type UntrustedError struct {
	// Path is the file or directory.
	Path string
	// Owner is its owner's uid, or -1 when not known.
	Owner int
	// Problem says what is wrong with it and how to fix it.
	Problem string
}

func (e *UntrustedError) Error() string { return "spool: " + e.Path + ": " + e.Problem }

// Is makes an UntrustedError match ErrUntrusted.
func (e *UntrustedError) Is(target error) bool { return target == ErrUntrusted }

// Tightened is a spool directory of the agent's own that group or others
// could write to, which Recover set to mode 0700.
type Tightened struct {
	// Path is the directory.
	Path string
	// Was is its mode before.
	Was fs.FileMode
}

// Recovered is what Recover did.
type Recovered struct {
	// Removed are the temporary files a crash left behind, now removed.
	Removed []string
	// Tightened are the directories whose mode was set to 0700.
	Tightened []Tightened
}

// trusted reports whether uid may own what the spool reads: this
// process's user, or root (who can do anything anyway).
func trusted(uid int) bool { return uid == os.Geteuid() || uid == 0 }

func owner(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// userName is "uid N (name)", or "uid N" when the name is not known.
func userName(uid int) string {
	s := "uid " + strconv.Itoa(uid)
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		s += " (" + u.Username + ")"
	}
	return s
}

// sudoUser names uid as sudo -u takes it.
func sudoUser(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "'#" + strconv.Itoa(uid) + "'"
}

// secure checks the spool directory and every directory in it: each must
// be a directory (the spool directory itself may be reached through a
// symlink; nothing inside may be one), owned by this process's user or
// root, and not writable by group or others. With tighten, such a
// writable directory of a trusted owner is set to 0700 and returned;
// without, it is refused. Another owner is always refused.
func (s *Spool) secure(tighten bool) ([]Tightened, error) {
	var out []Tightened
	t, err := checkDir(s.dir, os.Stat, tighten)
	if err != nil {
		return nil, err
	}
	out = append(out, t...)
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return out, fmt.Errorf("spool: %w", err)
	}
	for _, de := range des {
		p := filepath.Join(s.dir, de.Name())
		switch {
		case de.IsDir():
			t, err := checkDir(p, os.Lstat, tighten)
			if err != nil {
				return out, err
			}
			out = append(out, t...)
		case de.Type()&fs.ModeSymlink != 0 && (de.Name() == RejectedDir || de.Name() == CorruptDir):
			return out, &UntrustedError{Path: p, Owner: -1, Problem: "is a symlink, not a directory: reports moved there " +
				"would be written (and old ones removed) wherever it points; remove it and the agent makes the directory"}
		}
	}
	return out, nil
}

// checkDir checks one directory, as secure does.
func checkDir(p string, stat func(string) (fs.FileInfo, error), tighten bool) ([]Tightened, error) {
	fi, err := stat(p)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	if !fi.IsDir() {
		return nil, &UntrustedError{Path: p, Owner: owner(fi), Problem: fmt.Sprintf("is a %s, not a directory: remove it", kind(fi.Mode()))}
	}
	return checkDirInfo(p, fi, tighten)
}

func checkDirInfo(p string, fi fs.FileInfo, tighten bool) ([]Tightened, error) {
	uid := owner(fi)
	if !trusted(uid) {
		return nil, &UntrustedError{Path: p, Owner: uid, Problem: fmt.Sprintf(
			"is owned by %s, not by this process's %s: that user could place reports in it to be sent with the agent's token; "+
				"if that user is the agent's, run demarc as it (sudo -u %s demarc …); otherwise remove the directory or chown -R %d %s",
			userName(uid), userName(os.Geteuid()), sudoUser(uid), os.Geteuid(), p)}
	}
	m := fi.Mode()
	if m.Perm()&0o022 == 0 {
		return nil, nil
	}
	if !tighten {
		return nil, &UntrustedError{Path: p, Owner: uid, Problem: fmt.Sprintf(
			"is mode %04o: group or others may write to it; chmod 0700 %s (the agent does so when it starts or reloads)", modeBits(m), p)}
	}
	if err := os.Chmod(p, dirMode); err != nil {
		return nil, fmt.Errorf("spool: tighten %s (mode %04o): %w", p, modeBits(m), err)
	}
	return []Tightened{{Path: p, Was: m}}, nil
}

// modeBits is the permission, setuid, setgid and sticky bits as chmod
// takes them.
func modeBits(m fs.FileMode) uint32 {
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

func kind(m fs.FileMode) string {
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

// openRegular opens a regular file without following a symlink and
// without blocking on a FIFO, and returns it with its owner.
func openRegular(path string) (*os.File, int, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, -1, &UntrustedError{Path: path, Owner: -1, Problem: "is a symlink: never read or sent"}
	}
	if err != nil {
		return nil, -1, fmt.Errorf("spool: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, -1, fmt.Errorf("spool: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, owner(fi), &UntrustedError{Path: path, Owner: owner(fi),
			Problem: "is a " + kind(fi.Mode()) + ", not a regular file: never read or sent"}
	}
	return f, owner(fi), nil
}

// readCapped reads at most limit+1 bytes of a regular file (see
// openRegular).
func readCapped(path string, limit int64) ([]byte, error) {
	f, _, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, path, limit)
}

// readOwn reads a pending report: a regular file (see openRegular) owned
// by this process's user, by root or by the spool directory's owner (the
// agent's user when root runs `demarc spool list`).
func (s *Spool) readOwn(path string, limit int64) ([]byte, error) {
	f, uid, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !trusted(uid) {
		dfi, err := os.Stat(s.dir)
		if err != nil || owner(dfi) != uid {
			return nil, &UntrustedError{Path: path, Owner: uid, Problem: fmt.Sprintf(
				"is owned by %s, not by the agent: another user placed it there; never sent", userName(uid))}
		}
	}
	return readAll(f, path, limit)
}

func readAll(f *os.File, path string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("spool: read %s: %w", path, err)
	}
	return b, nil
}
