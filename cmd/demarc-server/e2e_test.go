package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
)

// buildServer compiles this command into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "demarc-server")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runCmd runs the binary to completion and returns its stdout.
func runCmd(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return string(out)
}

// server is a running demarc-server process.
type server struct {
	cmd  *exec.Cmd
	base string
}

func startServer(t *testing.T, bin, db string) *server {
	t.Helper()
	// The test's agents share one tenant agent token (compat mode, as
	// before enrollment): lift its rate limit.
	cfg := filepath.Join(t.TempDir(), "server.yaml")
	if err := os.WriteFile(cfg, []byte("rate_limit:\n  per_second: 100000\n  burst: 100000\ntoken_cache_ttl: 1s\ncompat:\n  agent_token_reports: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return startServerArgs(t, bin, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--db", db, "--log-level", "warn")
}

// startServerArgs starts the binary with args and waits until it says
// where it listens.
func startServerArgs(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if _, addr, ok := strings.Cut(sc.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return &server{cmd: cmd, base: strings.Fields(addr)[0]}
		}
	}
	t.Fatalf("server did not say where it listens")
	return nil
}

func gzipJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// load posts reports from 16 agents until stop is closed or the server
// goes away, and returns the report ids answered 2xx.
func load(t *testing.T, base, token string, stop <-chan struct{}, acked chan<- string) {
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for a := range 16 {
		wg.Go(func() {
			h := reportgen.NewHost(uint64(1000+a), a, "acme", 40, 0.3)
			at := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := h.Next(at.Add(time.Duration(i) * time.Minute))
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/api/v1/reports", bytes.NewReader(gzipJSON(t, r)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Content-Encoding", "gzip")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					acked <- r.ReportID
				}
			}
		})
	}
	wg.Wait()
}

// TestCrashLosesNoAcknowledgedReport SIGKILLs (and, separately, SIGTERMs)
// a real server process in the middle of a load, restarts it on the same
// SQLite file and checks that every report answered 2xx is there.
func TestCrashLosesNoAcknowledgedReport(t *testing.T) {
	bin := buildServer(t)
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			db := "sqlite:" + filepath.Join(t.TempDir(), "demarc.db")
			agent := strings.TrimSpace(runCmd(t, bin, "token", "create", "--db", db, "--tenant", "acme", "--role", "agent"))
			admin := strings.TrimSpace(runCmd(t, bin, "token", "create", "--db", db, "--role", "admin"))
			srv := startServer(t, bin, db)
			acked := make(chan string, 1024)
			stop := make(chan struct{})
			go func() { load(t, srv.base, agent, stop, acked); close(acked) }()
			// Let a few hundred reports through, then kill mid-load while
			// the agents keep posting.
			var ids []string
			for id := range acked {
				ids = append(ids, id)
				if len(ids) == 300 {
					if err := srv.cmd.Process.Signal(sig); err != nil {
						t.Fatal(err)
					}
					state, _ := srv.cmd.Process.Wait()
					srv.cmd.ProcessState = state
					close(stop)
				}
			}
			if len(ids) < 300 {
				t.Fatalf("only %d reports acknowledged before the load ended", len(ids))
			}
			again := startServer(t, bin, db)
			missing := 0
			for _, id := range ids {
				if !reportExists(t, again.base, admin, id) {
					missing++
				}
			}
			if missing > 0 {
				t.Errorf("%d of %d acknowledged reports lost after %s", missing, len(ids), sig)
			}
			t.Logf("%s: %d acknowledged reports all present after restart", sig, len(ids))
		})
	}
}

func reportExists(t *testing.T, base, token, id string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/reports/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET report %s: %v", id, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET report %s: %d", id, resp.StatusCode)
	}
	return resp.StatusCode == http.StatusOK
}
