package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/notify"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// hookReceiver counts every event id it is sent, verifying signatures.
// While held, it keeps each delivery waiting (never answering) and
// remembers its ids: the batch in flight when the server is killed.
type hookReceiver struct {
	t      *testing.T
	secret string

	mu      sync.Mutex
	got     map[string]int
	held    map[string]bool
	holding bool
	arrived chan struct{} // a held delivery arrived
	release chan struct{}
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !notify.Verify(h.secret, body, r.Header.Get(notify.SignatureHeader)) {
		h.t.Errorf("a delivery with a bad signature")
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var b notify.Body
	if err := json.Unmarshal(body, &b); err != nil {
		h.t.Errorf("delivery body: %v", err)
		return
	}
	h.mu.Lock()
	holding := h.holding
	for _, e := range b.Events {
		h.got[e.ID]++
		if holding {
			h.held[e.ID] = true
		}
	}
	if holding {
		h.holding = false
		close(h.arrived)
	}
	release := h.release
	h.mu.Unlock()
	if holding {
		<-release // the server is killed while this delivery waits
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// TestWebhookDeliverySurvivesSIGKILL kills a real server process with
// SIGKILL while a webhook delivery is in flight, restarts it on the same
// SQLite file and checks that every provider finding's event reaches the
// receiver, that only the events of the batch in flight come twice (the
// same ids: at-least-once with an idempotency key), and that none comes
// more often.
func TestWebhookDeliverySurvivesSIGKILL(t *testing.T) {
	bin := buildServer(t)
	const secret = "e2e-webhook-secret-0123456789"
	rc := &hookReceiver{t: t, secret: secret, got: map[string]int{}, held: map[string]bool{},
		arrived: make(chan struct{}), release: make(chan struct{})}
	recv := httptest.NewServer(rc)
	defer recv.Close()
	defer func() {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		select {
		case <-rc.release:
		default:
			close(rc.release)
		}
	}()

	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "demarc.db")
	cfg := filepath.Join(dir, "server.yaml")
	conf := fmt.Sprintf("rate_limit:\n  per_second: 100000\n  burst: 100000\ncompat:\n  agent_token_reports: true\n"+
		"webhooks:\n  - id: ops\n    url: %s\n    secret: %s\n    events: [finding.opened]\n", recv.URL, secret)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	agent := strings.TrimSpace(runCmd(t, bin, "token", "create", "--db", db, "--tenant", "acme", "--role", "agent"))
	admin := strings.TrimSpace(runCmd(t, bin, "token", "create", "--db", db, "--role", "admin"))
	args := []string{"serve", "--config", cfg, "--listen", "127.0.0.1:0", "--db", db, "--log-level", "warn"}

	// First wave: delivered normally.
	srv := startServerArgs(t, bin, args...)
	at := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	post := func(base string, first, n int) {
		for i := first; i < first+n; i++ {
			h := reportgen.NewHost(uint64(7000+i), i, "acme", 30, 0)
			h.Tier = report.TierManaged // provider findings: the OS, the panel, the applications
			postReport(t, base, agent, h.Next(at))
		}
	}
	post(srv.base, 0, 4)
	waitFor(t, "the first wave's events", func() bool { return received(rc) > 0 && received(rc) == providerFindings(t, srv.base, admin) })

	// Second wave: its first delivery is held, and the server killed.
	rc.mu.Lock()
	rc.holding = true
	rc.mu.Unlock()
	post(srv.base, 4, 4)
	select {
	case <-rc.arrived:
	case <-time.After(2 * time.Minute):
		t.Fatal("no delivery of the second wave arrived")
	}
	if err := srv.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	state, _ := srv.cmd.Process.Wait()
	srv.cmd.ProcessState = state
	rc.mu.Lock()
	close(rc.release)
	held := len(rc.held)
	rc.mu.Unlock()
	if held == 0 {
		t.Fatal("the held delivery carried no event")
	}

	// Restarted on the same file: the rest, and the held batch again.
	again := startServerArgs(t, bin, args...)
	want := providerFindings(t, again.base, admin)
	waitFor(t, "every event after the restart", func() bool { return received(rc) == want })
	time.Sleep(3 * time.Second) // more than one outbox poll: nothing more may come
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.got) != want {
		t.Errorf("%d distinct events received, want one per provider finding: %d", len(rc.got), want)
	}
	for id, n := range rc.got {
		switch {
		case rc.held[id] && n != 2, !rc.held[id] && n != 1:
			// The batch in flight was never answered: it must come again, once.
			// Every other event comes exactly once.
			t.Errorf("event %s received %d times (in the batch in flight at the kill: %v)", id, n, rc.held[id])
		}
	}
	t.Logf("%d events, %d of them in the batch in flight at the SIGKILL", len(rc.got), held)
}

// received is how many distinct events the receiver has.
func received(rc *hookReceiver) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// postReport posts one report and fails unless it is accepted.
func postReport(t *testing.T, base, token string, r *report.Report) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/reports", strings.NewReader(string(gzipJSON(t, r))))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("report %s: HTTP %d", r.ReportID, resp.StatusCode)
	}
}

// providerFindings counts the open provider findings the server holds:
// one finding.opened event each.
func providerFindings(t *testing.T, base, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/findings?responsible=provider&limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var fs struct {
		Findings []json.RawMessage `json:"findings"`
		Next     string            `json:"next"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&fs); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("findings: HTTP %d, %v", resp.StatusCode, err)
	}
	if fs.Next != "" {
		t.Fatalf("more than 500 provider findings: make the test's fleet smaller")
	}
	return len(fs.Findings)
}
