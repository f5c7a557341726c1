package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/demarc/demarc/agent/internal/fsafe"
)

// Sub-directories of the spool that hold reports which are never sent.
const (
	// RejectedDir keeps reports the server refused, each beside a .reason
	// file.
	RejectedDir = "rejected"
	// CorruptDir keeps files that did not parse as a whole report.
	CorruptDir = "corrupt"
)

// MaxFileSize caps a spooled report; a bigger file is corrupt.
const MaxFileSize = 64 << 20

const (
	tmpPrefix = fsafe.TmpPrefix
	suffix    = ".json"
	seqDigits = 20
)

var (
	// ErrCorrupt means a spool file is not one whole report: truncated,
	// not JSON, or not the report its name says.
	ErrCorrupt = errors.New("corrupt or partial spool file")
	// ErrBadID means a report id cannot be used in a file name.
	ErrBadID = errors.New("report id not usable as a spool file name")
)

// Entry is one report waiting in the spool.
type Entry struct {
	// Name is the file name, "<sequence>-<report_id>.json".
	Name string
	// Seq orders entries, oldest first; 0 when the name does not parse.
	Seq int64
	// ID is the report id from the name.
	ID string
	// Size is the file size in bytes.
	Size int64
	// ModTime is when the file was written.
	ModTime time.Time
}

// Spool is a directory of undelivered reports, one file each, written
// atomically and named so that name order is age order.
type Spool struct {
	dir string
	max int
	now func() time.Time
	// create makes the temporary file a write goes through (tests inject
	// failing writers here).
	create func(dir, pattern string) (fsafe.File, error)

	mu   sync.Mutex
	last int64
}

// New returns the spool in dir, holding at most max pending reports (max
// below 1 means 1). It does no I/O: call Recover before writing.
func New(dir string, max int) *Spool {
	if max < 1 {
		max = 1
	}
	return &Spool{
		dir: dir, max: max, now: time.Now,
		create: fsafe.CreateTemp,
	}
}

// Dir returns the spool directory.
func (s *Spool) Dir() string { return s.dir }

// Recover makes the spool directory (mode 0700) if it is missing, checks
// that it and every directory in it are the agent's own, and removes
// temporary files a crash left behind. A directory of the agent's own that
// group or others may write to is set to 0700 and returned in Tightened;
// one owned by another user, or a symlink where rejected/ or corrupt/
// should be, is an *UntrustedError and the spool is not used. Temporary
// files were never renamed into place, so no report is lost with them:
// the process that wrote them still had the report.
func (s *Spool) Recover() (Recovered, error) {
	var r Recovered
	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		return r, fmt.Errorf("spool: %w", err)
	}
	t, err := s.secure(true)
	r.Tightened = t
	if err != nil {
		return r, err
	}
	for _, d := range []string{s.dir, filepath.Join(s.dir, RejectedDir), filepath.Join(s.dir, CorruptDir)} {
		des, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, de := range des {
			if strings.HasPrefix(de.Name(), tmpPrefix) {
				if err := os.Remove(filepath.Join(d, de.Name())); err != nil {
					return r, fmt.Errorf("spool: remove stale temporary file: %w", err)
				}
				r.Removed = append(r.Removed, filepath.Join(d, de.Name()))
			}
		}
	}
	return r, nil
}

// Put writes data as the newest report, atomically: a temporary file,
// fsync, rename, fsync of the directory (made first if missing). A report
// whose id is already pending is not written twice. When the spool then
// holds more than its maximum, the oldest reports are removed and
// returned.
func (s *Spool) Put(id string, data []byte) (dropped []Entry, err error) {
	if !validID(id) {
		return nil, fmt.Errorf("%w: %q", ErrBadID, id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The directory may have been removed, or fixed, since Recover; or
	// given to someone else.
	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	if _, err := checkDir(s.dir, os.Stat, false); err != nil {
		return nil, err
	}
	entries, err := s.List()
	if err != nil {
		return nil, err
	}
	seq := s.now().UnixNano()
	for _, e := range entries {
		if e.ID == id {
			return nil, nil
		}
		seq = max(seq, e.Seq+1)
	}
	seq = max(seq, s.last+1)
	name := fmt.Sprintf("%0*d-%s%s", seqDigits, seq, id, suffix)
	if err := s.writeAtomic(s.dir, name, data); err != nil {
		return nil, err
	}
	s.last = seq
	for len(entries)+1 > s.max {
		if err := s.Remove(entries[0]); err != nil {
			return dropped, err
		}
		dropped = append(dropped, entries[0])
		entries = entries[1:]
	}
	return dropped, nil
}

// List returns the pending reports, oldest first. Files that end in .json
// but whose names do not parse are listed too (Load calls them corrupt).
func (s *Spool) List() ([]Entry, error) {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	var out []Entry
	for _, de := range des {
		name := de.Name()
		if de.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, suffix) {
			continue
		}
		e := parseName(name)
		if fi, err := de.Info(); err == nil {
			e.Size, e.ModTime = fi.Size(), fi.ModTime()
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Seq != out[j].Seq {
			return out[i].Seq < out[j].Seq
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Load reads a pending report and checks that it is the agent's own and
// one whole report. A symlink, a special file or another user's file is
// ErrUntrusted (an *UntrustedError) and never read. A file that does not
// parse as JSON, carry a demarc report schema and the report_id in its
// name is ErrCorrupt.
func (s *Spool) Load(e Entry) ([]byte, error) {
	data, err := s.readOwn(filepath.Join(s.dir, e.Name), MaxFileSize)
	if err != nil {
		return nil, err
	}
	if err := Check(e, data); err != nil {
		return nil, err
	}
	return data, nil
}

// Check reports whether data is the whole report entry e names.
func Check(e Entry, data []byte) error {
	if e.Seq == 0 || e.ID == "" {
		return fmt.Errorf("%w: %s: name is not <sequence>-<report_id>.json", ErrCorrupt, e.Name)
	}
	if len(data) > MaxFileSize {
		return fmt.Errorf("%w: %s: larger than %d bytes", ErrCorrupt, e.Name, MaxFileSize)
	}
	var head struct {
		Schema   string `json:"schema"`
		ReportID string `json:"report_id"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, e.Name, err)
	}
	if !strings.HasPrefix(head.Schema, "demarc.report/") {
		return fmt.Errorf("%w: %s: no demarc report schema", ErrCorrupt, e.Name)
	}
	if head.ReportID != e.ID {
		return fmt.Errorf("%w: %s: report_id %q does not match the name", ErrCorrupt, e.Name, head.ReportID)
	}
	return nil
}

// Remove deletes a pending report (it was delivered, or dropped).
func (s *Spool) Remove(e Entry) error {
	if err := os.Remove(filepath.Join(s.dir, e.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("spool: %w", err)
	}
	return syncDir(s.dir)
}

func parseName(name string) Entry {
	e := Entry{Name: name}
	base := strings.TrimSuffix(name, suffix)
	seq, id, ok := strings.Cut(base, "-")
	if !ok || len(seq) != seqDigits || !validID(id) {
		return e
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil || n <= 0 {
		return e
	}
	e.Seq, e.ID = n, id
	return e
}

// validID accepts the ids reportid.New makes and anything else safe in a
// file name: letters, digits, '-' and '_', at most 64 bytes.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}
