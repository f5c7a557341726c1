package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
)

// TestEnrollSecretCommands: create (with expiry and uses), list, revoke,
// and the host commands, through the command line on a real database.
func TestEnrollSecretCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	db := "sqlite:" + path
	var out, errb bytesBuffer
	run := func(args ...string) (int, string) {
		out.Reset()
		errb.Reset()
		code := execute(append(args, "--db", db), &out, &errb)
		return code, out.String() + errb.String()
	}
	code, secret := run("enroll-secret", "create", "--tenant", "acme", "--expires", "30d", "--uses", "3", "--name", "image")
	if code != 0 || !strings.HasPrefix(secret, "dme_") {
		t.Fatalf("create: %d %q", code, secret)
	}
	id := strings.TrimSpace(secret)[4:20]
	code, list := run("enroll-secret", "list")
	if code != 0 || !strings.Contains(list, id) || !strings.Contains(list, "0/3") || !strings.Contains(list, "image") || strings.Contains(list, strings.TrimSpace(secret)[21:]) {
		t.Fatalf("list: %d %q", code, list)
	}
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := st.EnrollSecret(context.Background(), id)
	st.Close()
	if err != nil || e.ExpiresAt == nil || e.ExpiresAt.Sub(time.Now()) < 29*24*time.Hour || e.MaxUses == nil || *e.MaxUses != 3 {
		t.Fatalf("stored secret: %+v %v", e, err)
	}
	if code, msg := run("enroll-secret", "revoke", id); code != 0 {
		t.Fatalf("revoke: %d %s", code, msg)
	}
	for _, args := range [][]string{
		{"enroll-secret", "create", "--tenant", "Bad Tenant"},
		{"enroll-secret", "create", "--tenant", "acme", "--expires", "soon"},
		{"enroll-secret", "create", "--tenant", "acme", "--expires", "-3d"},
		{"enroll-secret", "create", "--tenant", "acme", "--uses", "0"},
		{"enroll-secret", "create"},
		{"enroll-secret", "revoke", "nope"},
		{"host", "revoke", "0123456789abcdef0123456789abcdef"},
		{"host", "rotate", "0123456789abcdef0123456789abcdef"},
	} {
		if code, _ := run(args...); code == 0 {
			t.Errorf("%v succeeded", args)
		}
	}
	// The host commands on an enrolled host.
	st, err = sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := st.Enroll(context.Background(), store.Enrollment{TokenID: "", SecretID: "", Identity: store.HostIdentity{}}); err == nil {
		t.Error("an enrollment with no credential was stored")
	}
	code, secret = run("enroll-secret", "create", "--tenant", "acme")
	if code != 0 {
		t.Fatal(secret)
	}
	hostID := "0123456789abcdef0123456789abcdef"
	if err := st.Enroll(context.Background(), store.Enrollment{SecretID: strings.TrimSpace(secret)[4:20],
		Identity: store.HostIdentity{HostID: hostID, Tenant: "acme", Hostname: "web01", EnrolledAt: now},
		Key:      store.NewHostKey{ID: "00112233aabbccdd", Hash: make([]byte, 32), CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, verb := range []string{"rotate", "revoke"} {
		if code, msg := run("host", verb, hostID); code != 0 {
			t.Fatalf("host %s: %d %s", verb, code, msg)
		}
	}
	st, err = sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := st.HostIdentity(context.Background(), store.AllTenants(), hostID)
	if err != nil || h.RevokedAt == nil || !h.RotateRequested {
		t.Errorf("after host rotate and revoke: %+v %v", h, err)
	}
}

func TestParseDays(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "1d": 24 * time.Hour, "12h": 12 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := parseDays(in); err != nil || got != want {
			t.Errorf("parseDays(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "d", "0d", "-1d", "x", "1.5d", "-5h", "0s"} {
		if _, err := parseDays(in); err == nil {
			t.Errorf("parseDays(%q) accepted", in)
		}
	}
}
