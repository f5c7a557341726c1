package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// e2eReceiver stands in for demarc-server: it stores each report_id once
// (202, then 200 for a duplicate) and counts every receipt of every id.
type e2eReceiver struct {
	mu       sync.Mutex
	status   int // 0: accept; -1: drop the connection; else answer with it
	stored   []string
	receipts map[string]int
	ua       []string
	badAuth  int
	srv      *httptest.Server
}

func newE2EReceiver(t *testing.T, status int) *e2eReceiver {
	rv := &e2eReceiver{status: status, receipts: map[string]int{}}
	rv.srv = httptest.NewServer(rv)
	t.Cleanup(rv.srv.Close)
	return rv
}

func (rv *e2eReceiver) url() string { return rv.srv.URL + "/api/v1/reports" }

func (rv *e2eReceiver) setStatus(s int) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.status = s
}

func (rv *e2eReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/reports" {
		// A server older than enrollment: the agent posts with the token.
		http.NotFound(w, r)
		return
	}
	var id string
	if zr, err := gzip.NewReader(r.Body); err == nil {
		var head struct {
			ReportID string `json:"report_id"`
		}
		if json.NewDecoder(zr).Decode(&head) == nil {
			id = head.ReportID
		}
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	switch {
	case rv.status == -1:
		if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
			c.Close()
		}
		return
	case rv.status != 0:
		rv.receipts[id]++
		w.WriteHeader(rv.status)
		fmt.Fprint(w, `{"error":"refused by the test"}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+e2eToken || r.Header.Get("Content-Type") != "application/json" ||
		r.Header.Get("Content-Encoding") != "gzip" || id == "" {
		rv.badAuth++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rv.ua = append(rv.ua, r.Header.Get("User-Agent"))
	rv.receipts[id]++
	if rv.receipts[id] > 1 {
		w.WriteHeader(http.StatusOK)
		return
	}
	rv.stored = append(rv.stored, id)
	w.WriteHeader(http.StatusAccepted)
}

func (rv *e2eReceiver) snapshot() (stored []string, receipts map[string]int, bad int) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	receipts = map[string]int{}
	for k, v := range rv.receipts {
		receipts[k] = v
	}
	return append([]string(nil), rv.stored...), receipts, rv.badAuth
}

const e2eToken = "e2e-token-b7f3"

// e2eConfig writes an agent configuration (and its token) into dir.
func e2eConfig(t *testing.T, dir, url, extra string) string {
	t.Helper()
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte(e2eToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("schedule: \"@every 1s\"\nsplay: 0s\nrun_on_start: true\nstate_dir: %s\nreport:\n  url: %s\n  token_file: %s\n  enroll_secret_file: %s\n  timeout: 20s\nspool:\n  dir: %s\n%s",
		filepath.Join(dir, "state"), url, tok, filepath.Join(dir, "enroll-secret"), filepath.Join(dir, "spool"), extra)
	p := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// agentProc is a running `demarc agent`.
type agentProc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
	err    error
}

func startAgent(t *testing.T, bin, config string, env ...string) *agentProc {
	t.Helper()
	p := &agentProc{stderr: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "agent", "--config", config)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("agent stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// stop sends sig and waits for the exit; it returns the exit code. The
// guard only keeps a hung agent from hanging the test.
func (p *agentProc) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	p.cmd.Process.Signal(sig)
	return p.wait(t)
}

func (p *agentProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the agent did not exit")
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logged reports whether the agent wrote a JSON log line with this
// message and level.
func (l *lockedBuffer) logged(level, msg string) bool {
	for _, line := range strings.Split(l.String(), "\n") {
		var e struct{ Level, Message string }
		if json.Unmarshal([]byte(line), &e) == nil && e.Level == level && e.Message == msg {
			return true
		}
	}
	return false
}

// waitUntil polls cond; the guard bounds the wait, it is not a timing
// assertion.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitUntilFor(t, what, 30*time.Second, cond)
}

// waitUntilFor is waitUntil with a longer bound, for work whose duration
// depends on the machine's load (draining megabytes of spooled reports).
// It is a liveness bound, not a speed check.
func waitUntilFor(t *testing.T, what string, bound time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
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

// buildAgent builds the binary with the fake collector, once per test
// binary run (the e2e test is one top-level test with subtests).
func buildAgent(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "demarc")
	out, err := exec.Command("go", "build", "-tags", "demarctest", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
