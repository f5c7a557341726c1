package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/demarc/demarc/agent/enroll"
)

const (
	enrollSecret = "dme_00112233aabbccdd_ZW5yb2xsLXNlY3JldC1mb3ItdGhlLWNtZC10ZXN0cy0wMTIz"
	cmdHostKey   = "dmh_8899aabbccddeeff_aG9zdC1rZXktZm9yLXRoZS1jbWQtdGVzdHMtMDEyMzQ1Njc4OQ"
)

// enrollStub answers POST /api/v1/enroll for enrollSecret with a new host
// id each time and GET /api/v1/whoami for cmdHostKey, naming whoamiHost
// (the last enrolled host unless set).
type enrollStub struct {
	mu         sync.Mutex
	n          int
	whoamiHost string
}

func (s *enrollStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	switch {
	case r.URL.Path == "/api/v1/enroll" && auth == "Bearer "+enrollSecret:
		s.n++
		id := fmt.Sprintf("%032x", s.n)
		if s.whoamiHost == "" || strings.HasPrefix(s.whoamiHost, "0000") {
			s.whoamiHost = id
		}
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]string{"host_id": id, "host_key": cmdHostKey, "tenant": "acme"})
	case r.URL.Path == "/api/v1/whoami" && auth == "Bearer "+cmdHostKey:
		json.NewEncoder(w).Encode(map[string]string{"token_id": "8899aabbccddeeff", "tenant": "acme", "role": "host", "host_id": s.whoamiHost})
	default:
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"unauthenticated","code":"unauthenticated"}`))
	}
}

// enrollCmdConfig writes a configuration with its own state directory
// and an enroll secret file (mode 0600 when secret is set).
func enrollCmdConfig(t *testing.T, url, secret string) (cfg, state string) {
	t.Helper()
	dir := t.TempDir()
	sf := filepath.Join(dir, "enroll-secret")
	if secret != "" {
		if err := os.WriteFile(sf, []byte(secret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	state = filepath.Join(dir, "state")
	body := fmt.Sprintf("schedule: \"@every 1h\"\nstate_dir: %s\nreport:\n  url: %s\n  enroll_secret_file: %s\n  timeout: 5s\n", state, url, sf)
	cfg = filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, state
}

// `demarc agent enroll` enrolls by hand; `config check` then says as
// which host and tenant and asks whoami with the host key; a revoked host
// holding the same secret is an error until enrolled again by hand.
func TestAgentEnrollAndConfigCheck(t *testing.T) {
	stub := &enrollStub{}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	cfg, state := enrollCmdConfig(t, srv.URL+"/api/v1/reports", enrollSecret)

	out, errOut, code := runDemarc(t, "config", "check", "--config", cfg)
	if code != 0 || !strings.Contains(out, "enrolled:  no, will enroll with ") {
		t.Fatalf("before enrolling: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	out, errOut, code = runDemarc(t, "agent", "enroll", "--config", cfg)
	host := fmt.Sprintf("%032x", 1)
	if code != 0 || !strings.Contains(out, "enrolled as host "+host+" in tenant acme") {
		t.Fatalf("agent enroll: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	out, errOut, code = runDemarc(t, "config", "check", "--config", cfg)
	if code != 0 || !strings.Contains(out, "enrolled:  yes, as host "+host+" in tenant acme") ||
		!strings.Contains(out, "host key:  role host, tenant acme, host "+host) {
		t.Fatalf("after enrolling: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if strings.Contains(out+errOut, cmdHostKey[20:]) {
		t.Fatal("the host key's secret is in the output")
	}

	b, _ := os.ReadFile(cfg)
	other := filepath.Join(filepath.Dir(cfg), "other.yaml")
	os.WriteFile(other, append([]byte("tenant: globex\n"), b...), 0o600)
	if _, errOut, code := runDemarc(t, "config", "check", "--offline", "--config", other); code != 2 || !strings.Contains(errOut, `enrolled in tenant "acme"`) {
		t.Fatalf("another tenant configured: exit %d, stderr %s", code, errOut)
	}

	stub.mu.Lock()
	stub.whoamiHost = strings.Repeat("f", 32) // the key is another host's
	stub.mu.Unlock()
	if _, errOut, code := runDemarc(t, "config", "check", "--config", cfg); code != 2 || !strings.Contains(errOut, "not a key of host") {
		t.Fatalf("another host's key: exit %d, stderr %s", code, errOut)
	}

	if err := enroll.New(state).MarkRevoked(); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runDemarc(t, "config", "check", "--offline", "--config", cfg); code != 2 || !strings.Contains(errOut, "revoked host "+host) {
		t.Fatalf("revoked with the same secret: exit %d, stderr %s", code, errOut)
	}
	out, errOut, code = runDemarc(t, "agent", "enroll", "--config", cfg)
	if code != 0 || !strings.Contains(out, "enrolled as host "+fmt.Sprintf("%032x", 2)) {
		t.Fatalf("enrolling again by hand: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// Nothing to enroll with and not enrolled: the agent could never deliver.
func TestConfigCheckNothingToEnrollWith(t *testing.T) {
	cfg, _ := enrollCmdConfig(t, "https://demarc.example.net/api/v1/reports", "")
	if _, errOut, code := runDemarc(t, "config", "check", "--offline", "--config", cfg); code != 2 || !strings.Contains(errOut, "nothing to enroll with") {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
}

// An enroll secret every local user can read is refused at the key.
func TestAgentEnrollRefusesAnExposedSecret(t *testing.T) {
	cfg, _ := enrollCmdConfig(t, "https://demarc.example.net/api/v1/reports", enrollSecret)
	sf := filepath.Join(filepath.Dir(cfg), "enroll-secret")
	if err := os.Chmod(sf, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"config", "check", "--offline"}, {"agent", "enroll"}} {
		if _, errOut, code := runDemarc(t, append(args, "--config", cfg)...); code != 2 || !strings.Contains(errOut, "report.enroll_secret_file") {
			t.Fatalf("%v: exit %d, stderr %s", args, code, errOut)
		}
	}
}
