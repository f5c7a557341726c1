package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/demarc/demarc/agent/internal/fsafe"
)

// dirMode is the mode of every spool directory: the agent's user only.
const dirMode = fsafe.DirMode

// ErrUntrusted means a spool path is not the agent's own: a directory
// another user owns or may write to, a symlink where a directory or a
// report must be, a special file, or another user's file. Nothing is read
// from it and nothing in it is sent.
var ErrUntrusted = fsafe.ErrUntrusted

// UntrustedError says which spool path is not the agent's own, whose it
// is and what to do. It is ErrUntrusted.
type UntrustedError = fsafe.UntrustedError

// Tightened is a spool directory of the agent's own that group or others
// could write to, which Recover set to mode 0700.
type Tightened = fsafe.Tightened

// Recovered is what Recover did.
type Recovered struct {
	// Removed are the temporary files a crash left behind, now removed.
	Removed []string
	// Tightened are the directories whose mode was set to 0700.
	Tightened []Tightened
}

// risk is what another owner of a spool directory could do.
const risk = "could place reports in it to be sent with the agent's token"

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
	t, err := fsafe.CheckDir(p, stat, tighten, risk)
	if err != nil {
		return t, spoolErr(err)
	}
	return t, nil
}

func checkDirInfo(p string, fi fs.FileInfo, tighten bool) ([]Tightened, error) {
	t, err := fsafe.CheckDirInfo(p, fi, tighten, risk)
	if err != nil {
		return t, spoolErr(err)
	}
	return t, nil
}

// spoolErr says "spool: " before an error that is not an UntrustedError
// (which names its path).
func spoolErr(err error) error {
	var ue *UntrustedError
	if errors.As(err, &ue) {
		return err
	}
	return fmt.Errorf("spool: %w", err)
}

// readCapped reads at most limit+1 bytes of a regular file.
func readCapped(path string, limit int64) ([]byte, error) {
	b, err := fsafe.ReadCapped(path, limit)
	if err != nil {
		return nil, spoolErr(err)
	}
	return b, nil
}

// readOwn reads a pending report: a regular file (see openRegular) owned
// by this process's user, by root or by the spool directory's owner (the
// agent's user when root runs `demarc spool list`).
func (s *Spool) readOwn(path string, limit int64) ([]byte, error) {
	f, uid, err := fsafe.OpenRegular(path)
	if err != nil {
		return nil, spoolErr(err)
	}
	defer f.Close()
	if !fsafe.Trusted(uid) {
		dfi, err := os.Stat(s.dir)
		if err != nil || fsafe.Owner(dfi) != uid {
			return nil, &UntrustedError{Path: path, Owner: uid, Problem: fmt.Sprintf(
				"is owned by %s, not by the agent: another user placed it there; never sent", fsafe.UserName(uid))}
		}
	}
	return readAll(f, path, limit)
}

func readAll(f *os.File, path string, limit int64) ([]byte, error) {
	b, err := fsafe.ReadAll(f, path, limit)
	if err != nil {
		return nil, spoolErr(err)
	}
	return b, nil
}
