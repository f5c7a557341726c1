package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// serverConfig lifts the per-credential rate limit (a tenant's agents
// all enroll with its one enroll secret within the first period, a
// thousand of them in the long run) and rotates host keys every
// keyRotation.
func serverConfig(keyRotation time.Duration) string {
	return fmt.Sprintf(`rate_limit:
  per_second: 1000000
  burst: 1000000
key_rotation: %s
log_level: warn
`, keyRotation)
}

// server is the demarc-server process, killed and restarted on the same
// database and, when it can, the same port.
type server struct {
	bin, db, config, logPath string
	nice                     bool // set the server back to nice 0 after each start
	cmd                      *exec.Cmd
	exited                   chan struct{}

	mu     sync.Mutex // the metrics scraper reads addr while a restart sets it
	addr   string     // host:port once started
	curPID int
}

// address is where the server listens.
func (s *server) address() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// pid is the running server's process id, or 0.
func (s *server) pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.curPID
}

// dbKind names the database for the figures.
func (s *server) dbKind() string {
	if strings.HasPrefix(s.db, "sqlite:") {
		return "SQLite"
	}
	return "PostgreSQL"
}

func newServer(bin, dir, db string, keyRotation time.Duration) (*server, error) {
	s := &server{bin: bin, db: db, config: filepath.Join(dir, "server.yaml"), logPath: filepath.Join(dir, "server.log")}
	return s, os.WriteFile(s.config, []byte(serverConfig(keyRotation)), 0o600)
}

// enrollSecret creates a tenant's enroll secret with the server's own
// command, as an admin does.
func (s *server) enrollSecret(tenant string) (string, error) {
	out, err := exec.Command(s.bin, "enroll-secret", "create", "--db", s.db, "--tenant", tenant, "--name", "fleet "+tenant).Output()
	if err != nil {
		return "", fmt.Errorf("enroll-secret create: %w", exitDetail(err))
	}
	return strings.TrimSpace(string(out)), nil
}

// start runs the server and waits until it listens: on its previous
// address, or on a new port when that one cannot be had.
func (s *server) start() error {
	prev := s.address()
	listen := prev
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	err := s.startOn(listen)
	if err != nil && prev != "" {
		err = s.startOn("127.0.0.1:0")
	}
	return err
}

func (s *server) startOn(listen string) error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, "serve", "--config", s.config, "--listen", listen, "--db", s.db)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "listening on "); ok {
				u := strings.Fields(rest)[0]
				addr <- u[strings.Index(u, "://")+3:]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case a := <-addr:
		s.mu.Lock()
		s.addr, s.curPID = a, cmd.Process.Pid
		s.mu.Unlock()
		s.cmd, s.exited = cmd, exited
		if s.nice {
			return renice(cmd.Process.Pid, 0)
		}
		return nil
	case <-exited:
		return fmt.Errorf("demarc-server exited at start (%s); see %s", cmd.ProcessState, s.logPath)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return errors.New("demarc-server did not listen within 60s")
	}
}

// signal sends sig and waits for the process to end.
func (s *server) signal(sig syscall.Signal) {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// metricsURL is the server's own metrics, read directly (not through the
// proxy).
func (s *server) metricsURL() string { return "http://" + s.address() + "/metrics" }

// baseURL is the server itself, not through the proxy.
func (s *server) baseURL() string { return "http://" + s.address() }

// exitDetail adds a failed command's stderr to its error.
func exitDetail(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}

// database returns the --db value of the run: a SQLite file in dir, or a
// schema of its own in PostgreSQL (dropped by cleanup).
func database(ctx context.Context, db, dir string) (dsn string, cleanup func(), err error) {
	if db == "" || db == "sqlite" {
		return "sqlite:" + filepath.Join(dir, "demarc.db"), func() {}, nil
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return "", nil, fmt.Errorf("connect %s: %w", db, err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := "demarc_fleet_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	sep := "?"
	if strings.Contains(db, "?") {
		sep = "&"
	}
	cleanup = func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	}
	return db + sep + "search_path=" + schema, cleanup, nil
}
