package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestStateDirDefaults(t *testing.T) {
	c, err := Parse("agent.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.StateDir != DefaultStateDir || c.Spool.Dir != DefaultSpoolDir || c.Report.EnrollSecretFile != DefaultEnrollSecretFile {
		t.Fatalf("defaults: state_dir %q, spool.dir %q, enroll_secret_file %q", c.StateDir, c.Spool.Dir, c.Report.EnrollSecretFile)
	}
	// The spool follows the state directory unless it is set itself.
	c, err = Parse("agent.yaml", []byte("state_dir: /srv/demarc\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Spool.Dir != "/srv/demarc/spool" {
		t.Fatalf("spool.dir = %q, want below state_dir", c.Spool.Dir)
	}
	c, err = Parse("agent.yaml", []byte("state_dir: /srv/demarc\nspool:\n  dir: /var/spool/demarc\n"))
	if err != nil || c.Spool.Dir != "/var/spool/demarc" || c.StateDir != "/srv/demarc" {
		t.Fatalf("explicit spool.dir: %v, %v", c, err)
	}
	// The state directory follows the spool: two agents with their own
	// spools (a fleet simulation, tests) never share a host key.
	c, err = Parse("agent.yaml", []byte("spool:\n  dir: /tmp/agent7/spool\n"))
	if err != nil || c.StateDir != "/tmp/agent7" {
		t.Fatalf("state_dir = %q, want the spool's parent", c.StateDir)
	}
}

// enrollConfig is a configuration that delivers with an enroll secret
// file (written with mode, or absent when mode is 0) and no token.
func enrollConfig(t *testing.T, mode os.FileMode) (secret, body string) {
	t.Helper()
	dir := t.TempDir()
	secret = filepath.Join(dir, "enroll-secret")
	if mode != 0 {
		if err := os.WriteFile(secret, []byte("dme_0123456789abcdef_secret\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(secret, mode); err != nil {
			t.Fatal(err)
		}
	}
	return secret, "state_dir: " + dir + "\nreport:\n  url: https://demarc.example.net/api/v1/reports\n  enroll_secret_file: " + secret + "\n"
}

// The enroll secret is a credential like the token: readable or writable
// by every local user is refused (at the key and line), missing is fine
// (the host may be enrolled already: the agent says when it is not).
func TestEnrollSecretFileTrust(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    os.FileMode
		exposed bool
	}{
		{"0600", 0o600, false},
		{"0640", 0o640, false},
		{"missing", 0, false},
		{"world-readable", 0o644, true},
		{"world-writable", 0o602, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret, body := enrollConfig(t, tc.mode)
			_, err := checkAgent(t, body)
			if !tc.exposed {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.Is(err, ErrSecretExposed) || !errors.As(err, &e) || e.Key != "report.enroll_secret_file" || e.Line != 4 {
				t.Fatalf("CheckAgent error = %v, want ErrSecretExposed at report.enroll_secret_file line 4", err)
			}
			if _, err := ReadSecret(secret); !errors.Is(err, ErrSecretExposed) {
				t.Fatalf("ReadSecret = %v, want ErrSecretExposed", err)
			}
		})
	}
}

func TestReadSecret(t *testing.T) {
	secret, _ := enrollConfig(t, 0o600)
	if s, err := ReadSecret(secret); err != nil || s != "dme_0123456789abcdef_secret" {
		t.Fatalf("ReadSecret = %q, %v", s, err)
	}
	if _, err := ReadSecret(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}
