package spool

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// otherUID stands in for another local user.
const otherUID = 65534

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user (os.Chown); run the tests as root to cover it")
	}
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestRecoverCreatesThePrivateDir(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "spool"), 10)
	if _, err := s.Recover(); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, s.Dir()); m != 0o700 {
		t.Fatalf("new spool dir mode %04o, want 0700", m)
	}
	if _, err := s.Reject(putOne(t, s, "r1"), "HTTP 400: x"); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, filepath.Join(s.Dir(), RejectedDir)); m != 0o700 {
		t.Fatalf("new rejected/ mode %04o, want 0700", m)
	}
}

func putOne(t *testing.T, s *Spool, id string) Entry {
	t.Helper()
	if _, err := s.Put(id, reportJSON(id)); err != nil {
		t.Fatal(err)
	}
	for _, e := range mustList(t, s) {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("%s not spooled", id)
	return Entry{}
}

func mustList(t *testing.T, s *Spool) []Entry {
	t.Helper()
	es, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// A world-writable spool (and sub-directory) of the agent's own is
// tightened to 0700 and reported once, so that it can be logged.
func TestRecoverTightensAWritableDir(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "spool"), 10)
	rej := filepath.Join(s.Dir(), RejectedDir)
	if err := os.MkdirAll(rej, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{s.Dir(), rej} {
		if err := os.Chmod(d, 0o1777); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Recover()
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tightened) != 2 {
		t.Fatalf("tightened %+v, want the spool and rejected/", got.Tightened)
	}
	for _, d := range []string{s.Dir(), rej} {
		if m := mode(t, d); m != 0o700 {
			t.Errorf("%s mode %04o after Recover, want 0700", d, m)
		}
	}
	if again, err := s.Recover(); err != nil || len(again.Tightened) != 0 {
		t.Fatalf("second Recover = %+v, %v: want nothing left to tighten", again, err)
	}
}

// A spool directory (or sub-directory) that another user owns is refused
// by every way into the spool, with an error naming the path and owner.
func TestSpoolOfAnotherUserIsRefused(t *testing.T) {
	needRoot(t)
	for _, sub := range []string{"", RejectedDir, "anything"} {
		t.Run("dir "+sub, func(t *testing.T) {
			s := newSpool(t, 10)
			p := filepath.Join(s.Dir(), sub)
			if err := os.MkdirAll(p, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(p, otherUID, otherUID); err != nil {
				t.Fatal(err)
			}
			_, err := s.Recover()
			var ue *UntrustedError
			if !errors.As(err, &ue) || !errors.Is(err, ErrUntrusted) || ue.Path != p || ue.Owner != otherUID {
				t.Fatalf("Recover error = %v, want an UntrustedError for %s owned by %d", err, p, otherUID)
			}
			if sub != "" {
				return
			}
			if _, err := s.Put("r1", reportJSON("r1")); !errors.Is(err, ErrUntrusted) {
				t.Fatalf("Put error = %v, want ErrUntrusted", err)
			}
			if _, err := s.TryLock(); !errors.Is(err, ErrUntrusted) {
				t.Fatalf("TryLock error = %v, want ErrUntrusted", err)
			}
		})
	}
}

func TestSymlinkedSubdirIsRefused(t *testing.T) {
	s := newSpool(t, 10)
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(s.Dir(), RejectedDir)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recover(); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("Recover error = %v, want ErrUntrusted", err)
	}
	if _, err := s.Reject(putOne(t, s, "r1"), "HTTP 400: x"); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("Reject into a symlinked rejected/ = %v, want ErrUntrusted", err)
	}
	if des, _ := os.ReadDir(elsewhere); len(des) != 0 {
		t.Fatalf("wrote through the symlink: %v", des)
	}
}

// Entries that are not the agent's own are never loaded: a symlink (to a
// whole, valid report, or to a secret), a FIFO (which would block the
// reader), another user's file.
func TestLoadRefusesEntriesThatAreNotTheAgentsOwn(t *testing.T) {
	cases := map[string]func(t *testing.T, path string){
		"symlink to a report": func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "r1.json")
			if err := os.WriteFile(target, reportJSON("r1"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		},
		"fifo": func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"other user's file": func(t *testing.T, path string) {
			needRoot(t)
			if err := os.WriteFile(path, reportJSON("r1"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(path, otherUID, otherUID); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, plant := range cases {
		t.Run(name, func(t *testing.T) {
			s := newSpool(t, 10)
			plant(t, filepath.Join(s.Dir(), "00000000000000000001-r1.json"))
			es := mustList(t, s)
			if len(es) != 1 {
				t.Fatalf("List = %v", es)
			}
			if _, err := s.Load(es[0]); !errors.Is(err, ErrUntrusted) {
				t.Fatalf("Load error = %v, want ErrUntrusted", err)
			}
			to, err := s.Quarantine(es[0])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(to); err != nil {
				t.Fatal(err)
			}
			if es := mustList(t, s); len(es) != 0 {
				t.Fatalf("still pending: %v", es)
			}
		})
	}
}

// Root's files are trusted: an admin who copies a rejected report back
// with sudo gets it sent.
func TestRootsFileIsTrusted(t *testing.T) {
	needRoot(t)
	s := newSpool(t, 10)
	e := putOne(t, s, "r1")
	if err := os.Chown(filepath.Join(s.Dir(), e.Name), 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(e); err != nil {
		t.Fatal(err)
	}
}
