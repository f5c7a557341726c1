package enroll

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/internal/fsafe"
)

// Status is where the host stands with the server.
type Status string

// Statuses, as the textfile metric demarc_agent_enrolled names them.
const (
	Unenrolled Status = "unenrolled"
	Enrolled   Status = "enrolled"
	Revoked    Status = "revoked"
)

// File names in the state directory.
const (
	KeyFile     = "host-key"
	PendingFile = "host-key.new"
	HostIDFile  = "host-id"
	RecordFile  = "enrollment.json"
)

// maxFile caps every state file: a key, an id or a small record.
const maxFile = 16 << 10

// ErrExposed means a key file that group or others may change, or others
// may read: the key must be taken as leaked.
var ErrExposed = errors.New("host key readable or writable by other users")

// State is the host's credential as the state directory holds it.
type State struct {
	// Status is unenrolled, enrolled or revoked.
	Status Status
	// HostID and Tenant are the server's, from the last enrollment.
	HostID, Tenant string
	// Key is the current host key; Pending a rotated one not yet
	// confirmed ("" when none).
	Key, Pending string
	// SecretSHA256 is the hex SHA-256 of the secret the host enrolled
	// with: a revoked host never enrolls again with the same one.
	SecretSHA256 string
	// EnrolledAt is when it enrolled.
	EnrolledAt time.Time
	// Interrupted means an enrollment was cut short (host-id and
	// enrollment.json disagree, or host-key is missing): Status is then
	// unenrolled, or revoked when the record says so.
	Interrupted bool
}

// Bearer is the key to post with: the pending one first (once the server
// has seen it, the old one is retired), else the current one.
func (s State) Bearer() (key string, pending bool) {
	if s.Pending != "" {
		return s.Pending, true
	}
	return s.Key, false
}

// record is enrollment.json.
type record struct {
	HostID       string    `json:"host_id"`
	Tenant       string    `json:"tenant"`
	SecretSHA256 string    `json:"secret_sha256"`
	State        Status    `json:"state"`
	EnrolledAt   time.Time `json:"enrolled_at"`
}

// Store is the credential state in one directory.
type Store struct {
	dir string
	// step, when set, runs after each step of a change with the step's
	// name; an error stops the change there, as a crash would (tests).
	step func(name string) error
}

// New returns the store in dir. It does no I/O.
func New(dir string) *Store { return &Store{dir: dir} }

// Dir is the state directory.
func (s *Store) Dir() string { return s.dir }

// risk is what another owner of the state directory could do.
const risk = "could replace the host key and host id the agent posts reports with"

// SecretHash is the hex SHA-256 of a secret, as enrollment.json keeps it.
func SecretHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Load reads the state. A missing directory or record is Unenrolled.
func (s *Store) Load() (State, error) {
	dirOwner, err := s.checkDir(false)
	if errors.Is(err, fs.ErrNotExist) {
		return State{Status: Unenrolled}, nil
	}
	if err != nil {
		return State{}, err
	}
	var rec record
	b, err := s.read(RecordFile, dirOwner, false)
	if errors.Is(err, fs.ErrNotExist) {
		st := State{Status: Unenrolled}
		for _, f := range []string{KeyFile, HostIDFile} {
			if _, err := os.Lstat(filepath.Join(s.dir, f)); err == nil {
				st.Interrupted = true
			}
		}
		return st, nil
	}
	if err != nil {
		return State{}, err
	}
	if err := json.Unmarshal(b, &rec); err != nil || !deliver.ValidHostID(rec.HostID) ||
		(rec.State != Enrolled && rec.State != Revoked) {
		return State{}, fmt.Errorf("enrollment: %s is not an enrollment record: move it aside and run demarc agent enroll",
			filepath.Join(s.dir, RecordFile))
	}
	st := State{Status: rec.State, HostID: rec.HostID, Tenant: rec.Tenant, SecretSHA256: rec.SecretSHA256, EnrolledAt: rec.EnrolledAt}
	id, err := s.read(HostIDFile, dirOwner, false)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return State{}, err
	}
	key, err := s.readKey(KeyFile, dirOwner)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return State{}, err
	}
	if strings.TrimSpace(string(id)) != rec.HostID || key == "" {
		st.Interrupted = true
		if st.Status == Enrolled {
			st.Status = Unenrolled
		}
		return st, nil
	}
	st.Key = key
	if st.Pending, err = s.readKey(PendingFile, dirOwner); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return State{}, err
	}
	return st, nil
}

// checkDir checks the state directory, making it (0700) first when mk is
// set, and returns its owner.
func (s *Store) checkDir(mk bool) (int, error) {
	if mk {
		if err := os.MkdirAll(s.dir, fsafe.DirMode); err != nil {
			return -1, fmt.Errorf("enrollment: %w", err)
		}
	}
	fi, err := os.Stat(s.dir)
	if err != nil {
		return -1, err
	}
	if !fi.IsDir() {
		return -1, &fsafe.UntrustedError{Path: s.dir, Owner: fsafe.Owner(fi), Problem: "is a " + fsafe.Kind(fi.Mode()) + ", not a directory"}
	}
	uid := fsafe.Owner(fi)
	if os.Geteuid() == 0 && uid >= 0 {
		// Root (an admin's `demarc agent enroll` or `config check`) works
		// on the agent's directory for the agent: its owner is trusted.
		if fi.Mode().Perm()&0o022 != 0 {
			_, err := fsafe.CheckDirInfo(s.dir, fi, false, risk)
			return uid, err
		}
		return uid, nil
	}
	if _, err := fsafe.CheckDirInfo(s.dir, fi, false, risk); err != nil {
		return -1, err
	}
	return uid, nil
}

// read reads one state file: a regular file owned by this process's
// user, root or the directory's owner.
func (s *Store) read(name string, dirOwner int, key bool) ([]byte, error) {
	p := filepath.Join(s.dir, name)
	f, uid, err := fsafe.OpenRegular(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !fsafe.Trusted(uid) && uid != dirOwner {
		return nil, &fsafe.UntrustedError{Path: p, Owner: uid, Problem: fmt.Sprintf(
			"is owned by %s, not by the agent: another user placed it there; remove it and run demarc agent enroll", fsafe.UserName(uid))}
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 || key && perm&0o004 != 0 {
		return nil, fmt.Errorf("%s is mode %04o: %w; take the key as leaked: revoke this host on the server "+
			"(demarc-server host revoke) and enroll again (demarc agent enroll)", p, perm, ErrExposed)
	}
	return fsafe.ReadAll(f, p, maxFile)
}

// readKey reads a key file; "" with no error for one that holds no host
// key (a partial hand edit), which is then ignored.
func (s *Store) readKey(name string, dirOwner int) (string, error) {
	b, err := s.read(name, dirOwner, true)
	if err != nil {
		return "", err
	}
	k := strings.TrimSpace(string(b))
	if !deliver.ValidHostKey(k) {
		return "", nil
	}
	return k, nil
}

// Save records an enrollment: host-key.new removed, then host-id,
// host-key and last enrollment.json written, each atomically.
func (s *Store) Save(e deliver.Enrollment, secretHash string, at time.Time) error {
	if !deliver.ValidHostID(e.HostID) || !deliver.ValidHostKey(e.HostKey) {
		return fmt.Errorf("enrollment: %w", deliver.ErrBadEnrollAnswer)
	}
	owner, err := s.checkDir(true)
	if err != nil {
		return err
	}
	rec, _ := json.Marshal(record{HostID: e.HostID, Tenant: e.Tenant, SecretSHA256: secretHash, State: Enrolled, EnrolledAt: at.UTC()})
	return s.steps(owner,
		func(w writer) error { return w.remove(PendingFile) },
		func(w writer) error { return w.write(HostIDFile, e.HostID+"\n") },
		func(w writer) error { return w.write(KeyFile, e.HostKey+"\n") },
		func(w writer) error { return w.write(RecordFile, string(rec)+"\n") },
	)
}

// SetPending keeps a key the server handed out (host-key.new).
func (s *Store) SetPending(key string) error {
	if !deliver.ValidHostKey(key) {
		return fmt.Errorf("enrollment: not a host key")
	}
	owner, err := s.checkDir(false)
	if err != nil {
		return err
	}
	return s.steps(owner, func(w writer) error { return w.write(PendingFile, key+"\n") })
}

// Promote makes the pending key current: host-key.new renamed over
// host-key.
func (s *Store) Promote() error {
	if _, err := s.checkDir(false); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(s.dir, PendingFile), filepath.Join(s.dir, KeyFile)); err != nil {
		return fmt.Errorf("enrollment: %w", err)
	}
	return s.sync()
}

// DropPending forgets the pending key.
func (s *Store) DropPending() error {
	owner, err := s.checkDir(false)
	if err != nil {
		return err
	}
	return s.steps(owner, func(w writer) error { return w.remove(PendingFile) })
}

// MarkRevoked records that the server revoked this host: enrollment.json
// says revoked, the rest stays for the record.
func (s *Store) MarkRevoked() error {
	st, err := s.Load()
	if err != nil {
		return err
	}
	if st.HostID == "" {
		return nil
	}
	owner, err := s.checkDir(false)
	if err != nil {
		return err
	}
	rec, _ := json.Marshal(record{HostID: st.HostID, Tenant: st.Tenant, SecretSHA256: st.SecretSHA256, State: Revoked, EnrolledAt: st.EnrolledAt})
	return s.steps(owner, func(w writer) error { return w.write(RecordFile, string(rec)+"\n") })
}

// writer makes the files of one change.
type writer struct {
	dir   string
	chown func(string) error
}

func (w writer) write(name, data string) error {
	if err := fsafe.WriteAtomic(nil, w.dir, name, []byte(data), w.chown); err != nil {
		return fmt.Errorf("enrollment: %w", err)
	}
	return nil
}

func (w writer) remove(name string) error {
	err := os.Remove(filepath.Join(w.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("enrollment: %w", err)
	}
	if err := fsafe.SyncDir(w.dir); err != nil {
		return fmt.Errorf("enrollment: %w", err)
	}
	return nil
}

// steps runs a change one step at a time, calling the test hook after
// each. Root's files go to the directory's owner.
func (s *Store) steps(dirOwner int, fns ...func(writer) error) error {
	w := writer{dir: s.dir}
	if os.Geteuid() == 0 && dirOwner > 0 {
		gid := dirOwner
		if fi, err := os.Stat(s.dir); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				gid = int(st.Gid)
			}
		}
		w.chown = func(p string) error { return os.Chown(p, dirOwner, gid) }
	}
	for i, fn := range fns {
		if err := fn(w); err != nil {
			return err
		}
		if s.step != nil {
			if err := s.step(fmt.Sprint(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) sync() error {
	if err := fsafe.SyncDir(s.dir); err != nil {
		return fmt.Errorf("enrollment: %w", err)
	}
	return nil
}
