package main

import (
	"bufio"
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

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
)

// lockedBuffer collects a process's output from its copying goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

// TestBootstrapTokenNotInOutput: on first start the admin token is written
// to bootstrap-admin-token next to the database (0600), never to stdout,
// stderr or the logs (the journal, under systemd); the output names the
// file. The token in it is a working admin token.
func TestBootstrapTokenNotInOutput(t *testing.T) {
	bin := buildServer(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--db", "sqlite:"+filepath.Join(dir, "d.db"), "--log-level", "debug")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb lockedBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	base := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.Write([]byte(sc.Text() + "\n"))
		if _, addr, ok := strings.Cut(sc.Text(), "listening on "); ok {
			base = strings.Fields(addr)[0]
			break
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s %s", out.String(), errb.String())
	}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&out, stdout); close(copied) }()

	path := filepath.Join(dir, "bootstrap-admin-token")
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("no bootstrap token file: %v (stdout %q)", err, out.String())
	}
	if fi.Mode() != 0o600 {
		t.Errorf("%s is %v, want -rw-------", path, fi.Mode())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(b))
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var who struct{ Role string }
	err = json.NewDecoder(resp.Body).Decode(&who)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || who.Role != string(store.RoleAdmin) {
		t.Errorf("token from the file: %d role %q %v", resp.StatusCode, who.Role, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-copied
	_ = cmd.Wait()
	_, idAndSecret, _ := strings.Cut(secret, "_")
	_, secretPart, _ := strings.Cut(idAndSecret, "_")
	for name, s := range map[string]string{"stdout": out.String(), "stderr": errb.String()} {
		if secretPart == "" || strings.Contains(s, secretPart) {
			t.Errorf("the token's secret is in %s:\n%s", name, s)
		}
	}
	if !strings.Contains(out.String(), path) {
		t.Errorf("stdout does not name %s:\n%s", path, out.String())
	}
}

// TestBootstrapTokenSymlinkNotFollowed: a symlink planted where the token
// file goes (by someone who may write the directory) is neither followed
// nor replaced: the server refuses to start and creates no token.
func TestBootstrapTokenSymlinkNotFollowed(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	for name, target := range map[string]string{
		"dangling": filepath.Join(elsewhere, "stolen"),
		"existing": filepath.Join(elsewhere, "victim"),
	} {
		t.Run(name, func(t *testing.T) {
			if name == "existing" {
				if err := os.WriteFile(target, []byte("keep me\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "d.db"), sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, name)
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			var out, errb bytesBuffer
			g := &globals{stdout: &out, stderr: &errb}
			if err := bootstrapAdmin(t.Context(), g, st, link); err == nil {
				t.Error("bootstrap wrote through a symlink")
			}
			b, err := os.ReadFile(target)
			switch {
			case name == "dangling" && !os.IsNotExist(err):
				t.Errorf("symlink target created: %q %v", b, err)
			case name == "existing" && string(b) != "keep me\n":
				t.Errorf("symlink target overwritten: %q %v", b, err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("symlink replaced: %v %v", fi, err)
			}
			if toks, err := st.Tokens(t.Context()); err != nil || len(toks) != 0 {
				t.Errorf("tokens %v %v, want none", toks, err)
			}
		})
	}
}
