package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// otherID stands in for another local user and group.
const otherID = 65534

// A token (or client key) that every local user can read or change is a
// leaked credential: refused. One another group or user can reach is
// warned about, naming the key; the agent's own, root's, and the
// packages' root:<agent group> 0640 are quiet.
func TestTokenFileTrust(t *testing.T) {
	root := os.Geteuid() == 0
	cases := []struct {
		name      string
		mode      os.FileMode
		uid, gid  int // -1 leaves the test's own
		spoolUID  int // owner of the spool directory, -1 for the test's own
		needsRoot bool
		warnings  int
		exposed   bool
	}{
		{"0600 own", 0o600, -1, -1, -1, false, 0, false},
		{"0640 own group", 0o640, -1, -1, -1, false, 0, false},
		{"world-readable", 0o644, -1, -1, -1, false, 0, true},
		{"world-writable", 0o602, -1, -1, -1, false, 0, true},
		{"another group can read", 0o640, -1, otherID, -1, true, 1, false},
		{"another user owns it", 0o600, otherID, -1, -1, true, 1, false},
		{"another user and group", 0o660, otherID, otherID, -1, true, 2, false},
		// root checking for an agent that runs as the spool's owner:
		// root:<agent group> 0640, as the packages install it.
		{"root checks the agent's root:agent 0640", 0o640, 0, otherID, otherID, true, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needsRoot && !root {
				t.Skip("needs root to give the token to another user or group (os.Chown)")
			}
			dir, body := agentFiles(t, tc.mode, "abc123\n")
			if tc.uid >= 0 || tc.gid >= 0 {
				if err := os.Chown(filepath.Join(dir, "token"), tc.uid, tc.gid); err != nil {
					t.Fatal(err)
				}
			}
			if tc.spoolUID >= 0 {
				sp := filepath.Join(dir, "spool")
				if err := os.Mkdir(sp, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Chown(sp, tc.spoolUID, tc.spoolUID); err != nil {
					t.Fatal(err)
				}
			}
			w, err := checkAgent(t, body)
			if tc.exposed {
				var e *Error
				if !errors.Is(err, ErrSecretExposed) || !errors.As(err, &e) || e.Key != "report.token_file" || e.Line != 6 {
					t.Fatalf("CheckAgent error = %v, want ErrSecretExposed at report.token_file line 6", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(w) != tc.warnings {
				t.Fatalf("warnings %v, want %d", w, tc.warnings)
			}
			for _, x := range w {
				if x.Key != "report.token_file" || x.Line != 6 {
					t.Errorf("warning at %s line %d, want report.token_file line 6", x.Key, x.Line)
				}
			}
		})
	}
}

func TestClientKeyTrust(t *testing.T) {
	dir, body := agentFiles(t, 0o600, "abc123\n")
	cert, key := filepath.Join(dir, "c.pem"), filepath.Join(dir, "c.key")
	writeSelfSigned(t, cert, key)
	if err := os.Chmod(key, 0o604); err != nil {
		t.Fatal(err)
	}
	_, err := checkAgent(t, body+"  client_cert: "+cert+"\n  client_key: "+key+"\n")
	var e *Error
	if !errors.Is(err, ErrSecretExposed) || !errors.As(err, &e) || e.Key != "report.client_key" {
		t.Fatalf("CheckAgent error = %v, want ErrSecretExposed at report.client_key", err)
	}
}

// writeSelfSigned writes a throwaway certificate and its key (PEM).
func writeSelfSigned(t *testing.T, certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "demarc test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
}
