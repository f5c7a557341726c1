package enroll

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/internal/fsafe"
)

const (
	hostA = "0123456789abcdef0123456789abcdef"
	hostB = "fedcba9876543210fedcba9876543210"
	keyA  = "dmh_00112233aabbccdd_a2V5LWEtc2VjcmV0LXBhcnQtMDEyMzQ1Njc4OWFiY2RlZg"
	keyB  = "dmh_44556677aabbccdd_a2V5LWItc2VjcmV0LXBhcnQtMDEyMzQ1Njc4OWFiY2RlZg"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	return New(filepath.Join(t.TempDir(), "state"))
}

func load(t *testing.T, s *Store) State {
	t.Helper()
	st, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSaveLoadAndModes(t *testing.T) {
	s := newStore(t)
	if st := load(t, s); st.Status != Unenrolled || st.Interrupted {
		t.Fatalf("empty: %+v", st)
	}
	if err := s.Save(deliver.Enrollment{HostID: hostA, HostKey: keyA, Tenant: "acme"}, SecretHash("s1"), time.Now()); err != nil {
		t.Fatal(err)
	}
	st := load(t, s)
	if st.Status != Enrolled || st.HostID != hostA || st.Key != keyA || st.Tenant != "acme" || st.SecretSHA256 != SecretHash("s1") {
		t.Fatalf("loaded %+v", st)
	}
	fi, _ := os.Stat(s.Dir())
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("state directory mode %04o, want 0700", fi.Mode().Perm())
	}
	for _, f := range []string{KeyFile, HostIDFile, RecordFile} {
		fi, err := os.Stat(filepath.Join(s.Dir(), f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, mode %v; want 0600", f, err, fi)
		}
	}
	if err := s.SetPending(keyB); err != nil {
		t.Fatal(err)
	}
	if k, p := load(t, s).Bearer(); k != keyB || !p {
		t.Fatalf("bearer %q pending %v, want the pending key first", k, p)
	}
	if err := s.Promote(); err != nil {
		t.Fatal(err)
	}
	if st := load(t, s); st.Key != keyB || st.Pending != "" {
		t.Fatalf("after promote: %+v", st)
	}
	if err := s.MarkRevoked(); err != nil {
		t.Fatal(err)
	}
	if st := load(t, s); st.Status != Revoked || st.HostID != hostA || st.SecretSHA256 != SecretHash("s1") {
		t.Fatalf("after revoke: %+v", st)
	}
}

// An enrollment cut short at any step is not taken for a complete one:
// the old enrollment (or none) with Interrupted, never a new key with the
// old host id (whose reports the server would refuse as another host's).
func TestInterruptedEnrollment(t *testing.T) {
	for step := range 4 {
		s := newStore(t)
		if err := s.Save(deliver.Enrollment{HostID: hostA, HostKey: keyA, Tenant: "acme"}, SecretHash("s1"), time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPending(keyA + "x"); err != nil {
			t.Fatal(err)
		}
		s.step = func(name string) error {
			if name == string(rune('0'+step)) {
				return errors.New("crash")
			}
			return nil
		}
		err := s.Save(deliver.Enrollment{HostID: hostB, HostKey: keyB, Tenant: "acme"}, SecretHash("s2"), time.Now())
		s.step = nil
		st := load(t, s)
		switch {
		case step == 3: // the record was written: complete
			if err == nil || st.Status != Enrolled || st.HostID != hostB || st.Key != keyB || st.Interrupted {
				t.Fatalf("step %d: %+v", step, st)
			}
		case step == 0: // only the old pending key removed: the old enrollment stands
			if st.Status != Enrolled || st.HostID != hostA || st.Key != keyA || st.Pending != "" {
				t.Fatalf("step %d: %+v", step, st)
			}
		default:
			if st.Status != Unenrolled || !st.Interrupted || st.Key != "" {
				t.Fatalf("step %d: %+v, want an interrupted enrollment to redo", step, st)
			}
		}
	}
}

// Attack-shaped: what another user could plant in or around the state
// directory is refused, never posted with.
func TestUntrustedState(t *testing.T) {
	enrolled := func(t *testing.T) *Store {
		s := newStore(t)
		if err := s.Save(deliver.Enrollment{HostID: hostA, HostKey: keyA}, "", time.Now()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("host-key is a symlink", func(t *testing.T) {
		s := enrolled(t)
		planted := filepath.Join(t.TempDir(), "planted")
		os.WriteFile(planted, []byte(keyB), 0o600)
		os.Remove(filepath.Join(s.Dir(), KeyFile))
		if err := os.Symlink(planted, filepath.Join(s.Dir(), KeyFile)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(); !errors.Is(err, fsafe.ErrUntrusted) {
			t.Fatalf("Load = %v, want ErrUntrusted", err)
		}
	})
	t.Run("state directory writable by others", func(t *testing.T) {
		s := enrolled(t)
		os.Chmod(s.Dir(), 0o777)
		if _, err := s.Load(); !errors.Is(err, fsafe.ErrUntrusted) {
			t.Fatalf("Load = %v, want ErrUntrusted", err)
		}
		if err := s.SetPending(keyB); !errors.Is(err, fsafe.ErrUntrusted) {
			t.Fatalf("SetPending = %v, want ErrUntrusted", err)
		}
	})
	t.Run("host-key readable by everyone", func(t *testing.T) {
		s := enrolled(t)
		os.Chmod(filepath.Join(s.Dir(), KeyFile), 0o644)
		if _, err := s.Load(); !errors.Is(err, ErrExposed) {
			t.Fatalf("Load = %v, want ErrExposed", err)
		}
	})
	t.Run("host-key.new is a FIFO", func(t *testing.T) {
		s := enrolled(t)
		if err := syscall.Mkfifo(filepath.Join(s.Dir(), PendingFile), 0o600); err != nil {
			t.Skip(err)
		}
		if _, err := s.Load(); !errors.Is(err, fsafe.ErrUntrusted) {
			t.Fatalf("Load = %v, want ErrUntrusted (and no hang)", err)
		}
	})
	t.Run("another user's host-key", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a file to another user")
		}
		s := enrolled(t)
		// As root, the directory's owner is trusted (root enrolls for the
		// agent's user); a file owned by a third user is not.
		os.Chown(filepath.Join(s.Dir(), KeyFile), 65534, 65534)
		if _, err := s.Load(); !errors.Is(err, fsafe.ErrUntrusted) {
			t.Fatalf("Load = %v, want ErrUntrusted", err)
		}
	})
	t.Run("root enrolls for the directory's owner", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root")
		}
		s := newStore(t)
		os.Mkdir(s.Dir(), 0o700)
		os.Chown(s.Dir(), 65534, 65534)
		if err := s.Save(deliver.Enrollment{HostID: hostA, HostKey: keyA}, "", time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{KeyFile, HostIDFile, RecordFile} {
			fi, _ := os.Stat(filepath.Join(s.Dir(), f))
			if fsafe.Owner(fi) != 65534 {
				t.Fatalf("%s owned by %d, want the agent's user", f, fsafe.Owner(fi))
			}
		}
	})
}

func TestParseProductUUID(t *testing.T) {
	for in, want := range map[string]string{
		"4C4C4544-0042-3510-8052-B4C04F565931\n": "4c4c4544-0042-3510-8052-b4c04f565931",
		"":                                       "",
		"Not Settable":                           "",
		"\x00\x01":                               "",
		string(make([]byte, 100)):                "",
	} {
		if got := ParseProductUUID([]byte(in)); got != want {
			t.Errorf("ParseProductUUID(%q) = %q, want %q", in, got, want)
		}
	}
}
