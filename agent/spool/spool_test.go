package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/demarc/demarc/agent/internal/fsafe"
)

func reportJSON(id string) []byte {
	return []byte(fmt.Sprintf(`{"schema":"demarc.report/v1","report_id":%q,"components":[]}`, id))
}

func newSpool(t *testing.T, max int) *Spool {
	t.Helper()
	s := New(filepath.Join(t.TempDir(), "spool"), max)
	if _, err := s.Recover(); err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(t *testing.T, s *Spool) []string {
	t.Helper()
	es, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestPutKeepsOrderWhenClockGoesBack(t *testing.T) {
	s := newSpool(t, 10)
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { clock = clock.Add(-time.Hour); return clock }
	want := []string{"a", "b", "c"}
	for _, id := range want {
		if _, err := s.Put(id, reportJSON(id)); err != nil {
			t.Fatal(err)
		}
	}
	if got := ids(t, s); strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("order = %v, want %v", got, want)
	}
	es, _ := s.List()
	data, err := s.Load(es[1])
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != string(reportJSON("b")) {
		t.Fatalf("Load = %s", data)
	}
}

func TestPutSameIDOnce(t *testing.T) {
	s := newSpool(t, 10)
	for range 3 {
		if _, err := s.Put("same", reportJSON("same")); err != nil {
			t.Fatal(err)
		}
	}
	if got := ids(t, s); len(got) != 1 {
		t.Fatalf("entries = %v, want one", got)
	}
}

func TestPutDropsOldestPastMax(t *testing.T) {
	s := newSpool(t, 2)
	var dropped []Entry
	for _, id := range []string{"a", "b", "c", "d"} {
		d, err := s.Put(id, reportJSON(id))
		if err != nil {
			t.Fatal(err)
		}
		dropped = append(dropped, d...)
	}
	if got := ids(t, s); strings.Join(got, ",") != "c,d" {
		t.Fatalf("kept %v, want c,d", got)
	}
	if len(dropped) != 2 || dropped[0].ID != "a" || dropped[1].ID != "b" {
		t.Fatalf("dropped %v, want a then b", dropped)
	}
}

func TestLoadRefusesWhatIsNotAWholeReport(t *testing.T) {
	whole := string(reportJSON("r1"))
	cases := map[string]struct{ name, body string }{
		"truncated":     {"00000000000000000001-r1.json", whole[:len(whole)/2]},
		"empty":         {"00000000000000000001-r1.json", ""},
		"binary":        {"00000000000000000001-r1.json", "\x00\xff\xfe\x01garbage"},
		"other id":      {"00000000000000000001-r2.json", whole},
		"no schema":     {"00000000000000000001-r1.json", `{"report_id":"r1"}`},
		"trailing junk": {"00000000000000000001-r1.json", whole + "}{"},
		"bad name":      {"report.json", whole},
		"bad id chars":  {"00000000000000000001-r1.x.json", whole},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newSpool(t, 10)
			if err := os.WriteFile(filepath.Join(s.Dir(), tc.name), []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			es, err := s.List()
			if err != nil || len(es) != 1 {
				t.Fatalf("List = %v, %v", es, err)
			}
			if _, err := s.Load(es[0]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Load error = %v, want ErrCorrupt", err)
			}
			to, err := s.Quarantine(es[0])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(to); err != nil {
				t.Fatal(err)
			}
			if got := ids(t, s); len(got) != 0 {
				t.Fatalf("still pending: %v", got)
			}
			if c, _ := s.ListCorrupt(); len(c) != 1 {
				t.Fatalf("corrupt = %v", c)
			}
		})
	}
}

func TestRejectKeepsReason(t *testing.T) {
	s := newSpool(t, 10)
	if _, err := s.Put("r1", reportJSON("r1")); err != nil {
		t.Fatal(err)
	}
	es, _ := s.List()
	if _, err := s.Reject(es[0], "HTTP 400: bad host_id"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RejectData("r2", reportJSON("r2"), "HTTP 422: nope"); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, s); len(got) != 0 {
		t.Fatalf("still pending: %v", got)
	}
	rej, err := s.ListRejected()
	if err != nil || len(rej) != 2 {
		t.Fatalf("rejected = %v, %v", rej, err)
	}
	if rej[0].ID != "r1" || !strings.Contains(rej[0].Reason, "bad host_id") {
		t.Fatalf("rejected[0] = %+v", rej[0])
	}
}

func TestRecoverRemovesTemporaryFiles(t *testing.T) {
	s := newSpool(t, 10)
	tmp := filepath.Join(s.Dir(), tmpPrefix+"00000000000000000001-r1.json-123")
	if err := os.WriteFile(tmp, []byte(`{"schema":"demarc.rep`), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, s); len(got) != 0 {
		t.Fatalf("a temporary file is listed: %v", got)
	}
	rec, err := s.Recover()
	if err != nil || len(rec.Removed) != 1 {
		t.Fatalf("Recover = %+v, %v", rec, err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file still there: %v", err)
	}
}

// fullFile writes half of what it is given, then fails like a full disk.
type fullFile struct{ *os.File }

func (f fullFile) Write(b []byte) (int, error) {
	n, _ := f.File.Write(b[:len(b)/2])
	return n, syscall.ENOSPC
}

func TestFullDiskLeavesNoFile(t *testing.T) {
	s := newSpool(t, 10)
	s.create = func(dir, pattern string) (fsafe.File, error) {
		f, err := os.CreateTemp(dir, pattern)
		return fullFile{f}, err
	}
	_, err := s.Put("r1", reportJSON("r1"))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Put error = %v, want ENOSPC", err)
	}
	des, _ := os.ReadDir(s.Dir())
	for _, de := range des {
		if !de.IsDir() {
			t.Fatalf("left behind %s", de.Name())
		}
	}
}

func TestUnwritableDir(t *testing.T) {
	// A regular file where the directory should be fails even for root.
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := New(filepath.Join(f, "spool"), 10)
	if _, err := s.Recover(); !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("Recover error = %v, want ENOTDIR", err)
	}
	if _, err := s.Put("r1", reportJSON("r1")); !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("Put error = %v, want ENOTDIR", err)
	}
}

func TestPutRefusesBadID(t *testing.T) {
	s := newSpool(t, 10)
	for _, id := range []string{"", "../x", "a/b", strings.Repeat("a", 65), "a b"} {
		if _, err := s.Put(id, reportJSON(id)); !errors.Is(err, ErrBadID) {
			t.Errorf("Put(%q) error = %v, want ErrBadID", id, err)
		}
	}
}

func TestLockExcludesOtherDrainers(t *testing.T) {
	s := newSpool(t, 10)
	unlock, err := s.TryLock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(s.Dir(), 10).TryLock(); !errors.Is(err, ErrLocked) {
		t.Fatalf("second TryLock error = %v, want ErrLocked", err)
	}
	unlock()
	unlock2, err := s.TryLock()
	if err != nil {
		t.Fatalf("TryLock after unlock: %v", err)
	}
	unlock2()
}

func FuzzCheck(f *testing.F) {
	f.Add("00000000000000000001-r1.json", string(reportJSON("r1")))
	f.Add("x.json", "")
	f.Add("00000000000000000001-r1.json", "\x00\x01")
	f.Fuzz(func(t *testing.T, name, body string) {
		e := parseName(name)
		if err := Check(e, []byte(body)); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Check error %v is not ErrCorrupt", err)
		}
	})
}
