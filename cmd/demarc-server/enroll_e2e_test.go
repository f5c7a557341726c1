package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/agent/enroll"
	"github.com/demarc/demarc/agent/textfile"
)

// TestAgentEnrollsOverTLS runs the real `demarc agent` against the real
// demarc-server over TLS on loopback (a CA and a server certificate made
// here, the agent trusting the CA through report.ca_file): the agent
// enrolls with an enroll secret from `enroll-secret create`, its reports
// are stored under the host id the server assigned; `host revoke` stops
// its deliveries while its spool keeps the next scans; a new secret in
// the enroll secret file enrolls it again (a new host id) and the spool
// drains, re-attributed to the new host.
func TestAgentEnrollsOverTLS(t *testing.T) {
	srvBin := buildServer(t) // skipped with -short
	agentBin := buildDemarc(t)
	dir := t.TempDir()

	ca := newCA(t, "demarc e2e CA")
	_, certPEM, keyPEM := ca.leaf(t, x509.ExtKeyUsageServerAuth, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	certFile, keyFile := writeFile(t, dir, "cert.pem", certPEM), writeFile(t, dir, "key.pem", keyPEM)
	caFile := writeFile(t, dir, "ca.pem", ca.pem)
	db := "sqlite:" + filepath.Join(dir, "demarc.db")
	admin := strings.TrimSpace(runCmd(t, srvBin, "token", "create", "--db", db, "--role", "admin"))
	secret := strings.TrimSpace(runCmd(t, srvBin, "enroll-secret", "create", "--db", db, "--tenant", "acme", "--uses", "1"))
	// A short cache: `host revoke` (another process) takes effect at once.
	cfg := writeFile(t, dir, "server.yaml", []byte("token_cache_ttl: 100ms\n"))
	srv := startServerArgs(t, srvBin, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--db", db,
		"--tls-cert", certFile, "--tls-key", keyFile, "--log-level", "warn")
	if !strings.HasPrefix(srv.base, "https://") {
		t.Fatalf("serving on %s", srv.base)
	}
	api := &apiClient{t: t, base: srv.base, token: admin,
		c: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool()}}}}

	a := newE2EAgent(t, agentBin, dir, srv.base+"/api/v1/reports", caFile, secret)
	a.start(t)

	// Enrolled: the state files are the agent's alone, the host id the
	// server's, and the reports are stored under it.
	waitFor(t, "the first report stored under the assigned host id", func() bool {
		id := a.hostID()
		return id != "" && len(api.reports(id)) > 0
	})
	first := a.hostID()
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(first) {
		t.Fatalf("host id %q is not 32 lowercase hex", first)
	}
	for _, f := range []string{enroll.KeyFile, enroll.HostIDFile, enroll.RecordFile} {
		fi, err := os.Stat(filepath.Join(a.state, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	for _, rid := range api.reports(first) {
		var body struct {
			Host struct {
				HostID string `json:"host_id"`
			} `json:"host"`
		}
		api.get("/api/v1/reports/"+rid, &body)
		if body.Host.HostID != first {
			t.Errorf("report %s stored with host.host_id %q, want the assigned %s", rid, body.Host.HostID, first)
		}
	}

	// Revoked: the agent stops delivering and keeps what it scans.
	runCmd(t, srvBin, "host", "revoke", first, "--db", db)
	waitFor(t, "the agent to record the revocation", func() bool { return a.enrolledState() == "revoked" })
	stored := len(api.reports(first))
	held := len(spoolFiles(t, a.spool))
	waitFor(t, "two more scans spooled", func() bool { return len(spoolFiles(t, a.spool)) >= held+2 })
	if n := len(api.reports(first)); n != stored {
		t.Errorf("host %s: %d reports stored after the agent recorded its revocation, %d before", first, n, stored)
	}
	spooled := reportIDsIn(spoolFiles(t, a.spool))

	// A new secret: enrolled again as a new host, the spool drains.
	again := strings.TrimSpace(runCmd(t, srvBin, "enroll-secret", "create", "--db", db, "--tenant", "acme", "--uses", "1"))
	a.setSecret(t, again)
	waitFor(t, "a new enrollment and the spool drained", func() bool {
		return a.hostID() != first && a.enrolledState() == "enrolled" && len(spoolFiles(t, a.spool)) == 0
	})
	second := a.hostID()
	got := map[string]bool{}
	for _, rid := range api.reports(second) {
		got[rid] = true
	}
	for _, rid := range spooled {
		if !got[rid] {
			t.Errorf("report %s, spooled while revoked, is not stored under the new host %s", rid, second)
		}
	}
	if n := len(api.reports(first)); n != stored {
		t.Errorf("the revoked host %s has %d reports, %d when it was revoked", first, n, stored)
	}
	a.stop(t)
}

// buildDemarc builds the real agent binary (cmd/demarc) into the test's
// temporary directory.
func buildDemarc(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "demarc")
	if out, err := exec.Command("go", "build", "-o", bin, "../demarc").CombinedOutput(); err != nil {
		t.Fatalf("go build ../demarc: %v\n%s", err, out)
	}
	return bin
}

// e2eAgent is a `demarc agent` process with its own configuration, enroll
// secret, state directory, spool and textfile directory, all in the test's
// temporary directory; it scans a copy of a fixture host's root.
type e2eAgent struct {
	bin, config, secretFile, state, spool, metrics, root string
	cmd                                                  *exec.Cmd
	done                                                 chan struct{}
	stderr                                               *lockedBuffer
}

func newE2EAgent(t *testing.T, bin, dir, url, caFile, secret string) *e2eAgent {
	t.Helper()
	d := filepath.Join(dir, "agent")
	a := &e2eAgent{bin: bin, config: filepath.Join(d, "agent.yaml"), secretFile: filepath.Join(d, "enroll-secret"),
		state: filepath.Join(d, "state"), spool: filepath.Join(d, "spool"), metrics: filepath.Join(d, "metrics"),
		root: filepath.Join(d, "root"), stderr: &lockedBuffer{}}
	// A copy: a scan of a root may write into it (rpm --root).
	if err := os.CopyFS(a.root, os.DirFS(filepath.Join("..", "..", "scan", "testdata", "hosts", "debian12-lts", "rootfs"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(a.metrics, 0o755); err != nil {
		t.Fatal(err)
	}
	a.setSecret(t, secret)
	body := fmt.Sprintf(`schedule: "@every 2s"
splay: 0s
run_on_start: true
state_dir: %s
textfile_dir: %s
report:
  url: %s
  ca_file: %s
  enroll_secret_file: %s
  timeout: 20s
spool:
  dir: %s
`, a.state, a.metrics, url, caFile, a.secretFile, a.spool)
	if err := os.WriteFile(a.config, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a *e2eAgent) start(t *testing.T) {
	t.Helper()
	a.cmd = exec.Command(a.bin, "agent", "--config", a.config, "--root", a.root)
	a.cmd.Stderr = a.stderr
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a.done = make(chan struct{})
	go func() { _ = a.cmd.Wait(); close(a.done) }()
	t.Cleanup(func() {
		_ = a.cmd.Process.Kill()
		<-a.done
		if t.Failed() {
			t.Logf("agent stderr:\n%s", a.stderr.String())
		}
	})
}

func (a *e2eAgent) stop(t *testing.T) {
	t.Helper()
	_ = a.cmd.Process.Signal(os.Interrupt)
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the agent did not stop")
	}
}

// setSecret replaces the enroll secret file (0600) as an admin does.
func (a *e2eAgent) setSecret(t *testing.T, secret string) {
	t.Helper()
	tmp := a.secretFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, a.secretFile); err != nil {
		t.Fatal(err)
	}
}

// hostID is the host id in the agent's state directory ("" before it
// enrolled).
func (a *e2eAgent) hostID() string {
	b, err := os.ReadFile(filepath.Join(a.state, enroll.HostIDFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// enrolledState is the state label of demarc_agent_enrolled in the
// agent's textfile ("" before the first run).
func (a *e2eAgent) enrolledState() string {
	b, err := os.ReadFile(filepath.Join(a.metrics, textfile.FileName))
	if err != nil {
		return ""
	}
	m := regexp.MustCompile(`(?m)^demarc_agent_enrolled\{state="([a-z]+)"\} 1$`).FindSubmatch(b)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// spoolFiles lists the reports waiting in a spool directory.
func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if !de.IsDir() && strings.HasSuffix(de.Name(), ".json") && !strings.HasPrefix(de.Name(), ".") {
			out = append(out, de.Name())
		}
	}
	return out
}

// reportIDsIn returns the report ids of spool file names (<time>-<id>.json).
func reportIDsIn(files []string) []string {
	var out []string
	for _, f := range files {
		_, id, _ := strings.Cut(strings.TrimSuffix(f, ".json"), "-")
		out = append(out, id)
	}
	return out
}

// apiClient reads the server's API with an admin token over TLS.
type apiClient struct {
	t     *testing.T
	base  string
	token string
	c     *http.Client
}

// get decodes a 200 answer into v; any other status fails the test.
func (a *apiClient) get(path string, v any) int {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.base+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			a.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// reports lists a host's stored report ids (none for a host the server
// does not know yet).
func (a *apiClient) reports(hostID string) []string {
	a.t.Helper()
	var page struct {
		Reports []struct {
			ReportID string `json:"report_id"`
		} `json:"reports"`
	}
	if st := a.get("/api/v1/hosts/"+hostID+"/reports?limit=100", &page); st != http.StatusOK {
		if st == http.StatusNotFound {
			return nil
		}
		a.t.Fatalf("reports of host %s: %d", hostID, st)
	}
	var out []string
	for _, r := range page.Reports {
		out = append(out, r.ReportID)
	}
	return out
}

// waitFor polls cond; the bound only keeps a broken agent from hanging
// the test, it is not a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
