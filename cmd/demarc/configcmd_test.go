package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const whoamiToken = "agent-token-for-config-check"

// checkConfig writes an agent configuration that delivers to url, with
// extra YAML appended at the top level.
func checkConfig(t *testing.T, url, extra string) string {
	t.Helper()
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte(whoamiToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("schedule: \"@every 1h\"\n%sspool:\n  dir: %s\nreport:\n  url: %s\n  token_file: %s\n  timeout: 5s\n",
		extra, filepath.Join(dir, "spool"), url, tok)
	p := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// whoami mimics demarc-server's GET /api/v1/whoami (or an older server
// without it: status 404).
func whoami(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/whoami" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+whoamiToken {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"unauthenticated","message":"missing bearer token"}`)
			return
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v1/reports"
}

func TestConfigCheckAsksTheTokensRole(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		extra  string
		code   int
		stdout string // in stdout when code is 0
		stderr string // in stderr when code is 2
	}{
		{"agent", 200, `{"token_id":"tk1","tenant":"acme","role":"agent"}`, "", 0, "token:     role agent, tenant acme (token id tk1)", ""},
		{"viewer", 200, `{"token_id":"tk2","tenant":"acme","role":"viewer"}`, "", 2, "", "role viewer, tenant acme"},
		{"admin", 200, `{"token_id":"tk3","tenant":"acme","role":"admin"}`, "", 2, "", "role admin"},
		{"another tenant", 200, `{"token_id":"tk1","tenant":"acme","role":"agent"}`, "tenant: globex\n", 2, "", `token belongs to tenant "acme"`},
		{"refused token", 401, `{"error":"unauthenticated","message":"invalid or revoked token"}`, "", 2, "", "the server refuses the token"},
		{"older server", 404, "404 page not found", "", 0, "server does not report the token's role", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := checkConfig(t, whoami(t, tc.status, tc.body), tc.extra)
			out, errOut, code := runDemarc(t, "config", "check", "--config", cfg)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if code == 0 && (!strings.Contains(out, tc.stdout) || !strings.Contains(out, ": ok\n")) {
				t.Fatalf("stdout lacks %q:\n%s", tc.stdout, out)
			}
			if code != 0 && (!strings.Contains(errOut, tc.stderr) || strings.Contains(out, ": ok\n")) {
				t.Fatalf("stderr lacks %q (or stdout says ok):\nstdout: %s\nstderr: %s", tc.stderr, out, errOut)
			}
		})
	}
}

// A server that cannot be reached is said, and the other checks stand.
func TestConfigCheckWithTheServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/api/v1/reports"
	ln.Close() // connection refused from now on
	out, errOut, code := runDemarc(t, "config", "check", "--config", checkConfig(t, url, ""))
	if code != 0 || !strings.Contains(out, "not checked: the server is unreachable") || !strings.Contains(out, ": ok\n") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	out, _, code = runDemarc(t, "config", "check", "--offline", "--config", checkConfig(t, url, ""))
	if code != 0 || strings.Contains(out, "token:") {
		t.Fatalf("--offline: exit %d, stdout %s", code, out)
	}
}
