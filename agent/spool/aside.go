package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const reasonSuffix = ".reason"

// Rejected is a report the server refused, kept with the reason.
type Rejected struct {
	Entry
	// Reason is what the server said, as recorded.
	Reason string
}

// Reject moves a pending report to rejected/ and records reason beside it
// (in <name>.reason). It returns the report's new path. The oldest rejected
// reports are removed past the spool's maximum.
func (s *Spool) Reject(e Entry, reason string) (string, error) {
	dst, err := s.ensureSub(RejectedDir)
	if err != nil {
		return "", err
	}
	if err := s.writeAtomic(dst, e.Name+reasonSuffix, []byte(reasonText(s.now(), reason))); err != nil {
		return "", err
	}
	to := filepath.Join(dst, e.Name)
	if err := os.Rename(filepath.Join(s.dir, e.Name), to); err != nil {
		return "", fmt.Errorf("spool: move to %s: %w", RejectedDir, err)
	}
	if err := syncDir(dst); err != nil {
		return to, err
	}
	if err := syncDir(s.dir); err != nil {
		return to, err
	}
	return to, s.trim(dst)
}

// RejectData stores a refused report that never reached the spool (it was
// only in memory) in rejected/, with the reason.
func (s *Spool) RejectData(id string, data []byte, reason string) (string, error) {
	if !validID(id) {
		return "", fmt.Errorf("%w: %q", ErrBadID, id)
	}
	dst, err := s.ensureSub(RejectedDir)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%0*d-%s%s", seqDigits, s.now().UnixNano(), id, suffix)
	if err := s.writeAtomic(dst, name+reasonSuffix, []byte(reasonText(s.now(), reason))); err != nil {
		return "", err
	}
	if err := s.writeAtomic(dst, name, data); err != nil {
		return "", err
	}
	return filepath.Join(dst, name), s.trim(dst)
}

// Quarantine moves a file that is not a whole report to corrupt/, where it
// is kept for a person to look at and never sent. It returns the new path.
func (s *Spool) Quarantine(e Entry) (string, error) {
	dst, err := s.ensureSub(CorruptDir)
	if err != nil {
		return "", err
	}
	to := filepath.Join(dst, e.Name)
	if err := os.Rename(filepath.Join(s.dir, e.Name), to); err != nil {
		return "", fmt.Errorf("spool: move to %s: %w", CorruptDir, err)
	}
	if err := syncDir(dst); err != nil {
		return to, err
	}
	if err := syncDir(s.dir); err != nil {
		return to, err
	}
	return to, s.trim(dst)
}

// ListRejected returns the refused reports with their reasons, oldest
// first.
func (s *Spool) ListRejected() ([]Rejected, error) {
	dir := filepath.Join(s.dir, RejectedDir)
	entries, err := listSub(dir)
	if err != nil {
		return nil, err
	}
	out := make([]Rejected, 0, len(entries))
	for _, e := range entries {
		r := Rejected{Entry: e}
		if b, err := readCapped(filepath.Join(dir, e.Name+reasonSuffix), 64<<10); err == nil {
			r.Reason = strings.TrimSpace(string(b))
		}
		out = append(out, r)
	}
	return out, nil
}

// ListCorrupt returns the files moved aside as corrupt, oldest first.
func (s *Spool) ListCorrupt() ([]Entry, error) {
	return listSub(filepath.Join(s.dir, CorruptDir))
}

func listSub(dir string) ([]Entry, error) {
	sub := &Spool{dir: dir}
	entries, err := sub.List()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return entries, err
}

func (s *Spool) ensureSub(name string) (string, error) {
	dst := filepath.Join(s.dir, name)
	if err := os.MkdirAll(dst, dirMode); err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	// MkdirAll follows a symlink; a report moved through one would land
	// (and trim would remove files) wherever it points.
	if _, err := checkDir(dst, os.Lstat, false); err != nil {
		return "", err
	}
	return dst, nil
}

// trim keeps at most the spool's maximum of files in a side directory,
// removing the oldest (and their .reason files).
func (s *Spool) trim(dir string) error {
	entries, err := listSub(dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	for len(entries) > s.max {
		for _, n := range []string{entries[0].Name, entries[0].Name + reasonSuffix} {
			if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("spool: %w", err)
			}
		}
		entries = entries[1:]
	}
	return nil
}

func reasonText(now time.Time, reason string) string {
	return fmt.Sprintf("%s %s\n", now.UTC().Format(time.RFC3339), reason)
}
