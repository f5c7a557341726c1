package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
)

// childEnv makes the test binary a server (TestDeepNestingKillsNoServer's
// subprocess) instead of running tests.
const childEnv = "DEMARC_INGEST_TEST_SERVER_DIR"

// TestMain runs the subprocess server when asked, the tests otherwise.
func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		if err := serveChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "child server:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveChild serves an ingest server on loopback with one agent token,
// prints "ADDR TOKEN" and serves until its standard input closes.
func serveChild(dir string) error {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "demarc.db"), sqlite.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	secret, tok, err := ingest.NewToken("acme", store.RoleAgent, "child", time.Now())
	if err != nil {
		return err
	}
	if err := st.CreateToken(ctx, tok); err != nil {
		return err
	}
	srv, err := ingest.New(ingest.Config{Store: st, Log: zerolog.New(os.Stderr).Level(zerolog.WarnLevel), AgentTokenReports: true})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	fmt.Printf("%s %s\n", ln.Addr(), secret)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return hs.Close()
}

// TestDeepNestingKillsNoServer is the attack that killed demarc-server
// with one 7.8 KB request: a body of `{"a":` and millions of '[' overflowed
// the decoder's stack, a fatal error no recover catches. The server runs
// in a subprocess, so that a crash fails this test instead of the test
// binary; every deep body must get a 4xx and the server must live on.
func TestDeepNestingKillsNoServer(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("child server did not start: %v\n%s", err, stderr.String())
	}
	addr, token, _ := strings.Cut(strings.TrimSpace(line), " ")
	base := "http://" + addr

	valid := mustJSON(t, host(7, "acme").Next(t0))
	withField := func(v string) []byte {
		return bytes.Replace(valid, []byte(`{"schema":`), []byte(`{"deep":`+v+`,"schema":`), 1)
	}
	unbalanced := []byte(`{"a":` + strings.Repeat("[", 2_000_000))
	balanced := withField(strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000))
	objects := []byte(strings.Repeat(`{"a":`, 400_000))
	bodies := []struct {
		name string
		body []byte
		gzip bool
	}{
		{"2M unbalanced '[', plain", unbalanced, false},
		{"2M unbalanced '[', gzip", unbalanced, true},
		{"1M balanced '[' in a valid report, plain", balanced, false},
		{"1M balanced '[' in a valid report, gzip", balanced, true},
		{"400k nested objects, gzip", objects, true},
		{"65 levels in a valid report", withField(strings.Repeat("[", 64) + strings.Repeat("]", 64)), true},
	}
	for _, b := range bodies {
		body, enc := b.body, ""
		if b.gzip {
			body, enc = gz(t, body), "gzip"
		}
		req, err := http.NewRequest(http.MethodPost, base+"/api/v1/reports", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		if enc != "" {
			req.Header.Set("Content-Encoding", enc)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s (%d bytes sent): no answer: %v\nserver: %s", b.name, len(body), err, tail(stderr.String()))
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s: status %d, want 4xx", b.name, resp.StatusCode)
		}
	}
	// The server is alive and still takes a genuine report.
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/reports", bytes.NewReader(gz(t, valid)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("server died: %v\n%s", err, tail(stderr.String()))
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("genuine report after the attack: status %d", resp.StatusCode)
	}
	select {
	case err := <-exited:
		t.Fatalf("server exited: %v\n%s", err, tail(stderr.String()))
	default:
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
