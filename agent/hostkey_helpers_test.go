package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/demarc/demarc/agent/enroll"
	"github.com/demarc/demarc/agent/textfile"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
)

// observedID is the host id a scan observes before enrollment (the hash
// of the machine id): the agent must re-attribute it.
const observedID = "abababababababababababababababab"

// machineID is the fixture root's /etc/machine-id: it must never leave
// the host as it is.
const machineID = "5f2b6b1e8c7a4d3e9f0a1b2c3d4e5f60"

// hostEnv is one host: a fixture root, a state directory, a spool, the
// secret and token files, and a scanner whose numbering survives a
// restart of the agent.
type hostEnv struct {
	t                   *testing.T
	dir, url            string
	secretFile, tokenFn string
	sc                  scanner
}

func newHostEnv(t *testing.T, url string) *hostEnv {
	t.Helper()
	e := &hostEnv{t: t, dir: t.TempDir(), url: url + "/api/v1/reports"}
	e.secretFile = filepath.Join(e.dir, "enroll-secret")
	for p, body := range map[string]string{
		"root/etc/os-release": "ID=debian\nVERSION_ID=\"12\"\nNAME=\"Debian GNU/Linux\"\n",
		"root/etc/hostname":   "web01\n",
		"root/etc/machine-id": machineID + "\n",
	} {
		p = filepath.Join(e.dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(e.dir, "metrics"), 0o755); err != nil {
		t.Fatal(err)
	}
	return e
}

// writeSecret puts a secret in the enroll secret file with mode.
func (e *hostEnv) writeSecret(secret string, mode os.FileMode) {
	e.t.Helper()
	if err := os.WriteFile(e.secretFile, []byte(secret+"\n"), mode); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Chmod(e.secretFile, mode); err != nil {
		e.t.Fatal(err)
	}
}

// writeToken configures report.token_file with a legacy agent token.
func (e *hostEnv) writeToken(token string) {
	e.t.Helper()
	e.tokenFn = filepath.Join(e.dir, "token")
	if err := os.WriteFile(e.tokenFn, []byte(token+"\n"), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func (e *hostEnv) stateDir() string { return filepath.Join(e.dir, "state") }

// scan makes the next report, carrying the host id a scan observes.
func (e *hostEnv) scan(ctx context.Context) (*report.Report, error) {
	r, err := e.sc.scan(ctx)
	if err == nil {
		r.Host = report.Host{Hostname: "web01", HostID: observedID}
	}
	return r, err
}

// setup builds the agent's Setup from a configuration file's worth of
// keys, as `demarc agent` does: a fresh one is a restart from disk.
func (e *hostEnv) setup() *Setup {
	e.t.Helper()
	y := fmt.Sprintf("state_dir: %s\ntextfile_dir: %s\nreport:\n  url: %s\n  enroll_secret_file: %s\n  timeout: 5s\n",
		e.stateDir(), filepath.Join(e.dir, "metrics"), e.url, e.secretFile)
	if e.tokenFn != "" {
		y += "  token_file: " + e.tokenFn + "\n"
	}
	cfg, err := config.Parse("agent.yaml", []byte(y))
	if err != nil {
		e.t.Fatal(err)
	}
	root, err := hostfs.New(filepath.Join(e.dir, "root"))
	if err != nil {
		e.t.Fatal(err)
	}
	st, err := FromConfigRoot(cfg, e.scan, "1.2.3", root)
	if err != nil {
		e.t.Fatal(err)
	}
	st.Schedule = later{}
	return st
}

// state reads the host's credential state from disk.
func (e *hostEnv) state() enroll.State {
	e.t.Helper()
	st, err := enroll.New(e.stateDir()).Load()
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// enrolledMetric reads demarc_agent_enrolled from the textfile: every
// series of it.
func (e *hostEnv) enrolledMetric() []string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.dir, "metrics", textfile.FileName))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "demarc_agent_enrolled") {
			out = append(out, line)
		}
	}
	return out
}

// checkDelivered checks that the server holds exactly want for host, in
// order, each once, and that the spool is empty.
func checkDelivered(t *testing.T, es *enrollServer, hostID string, st *Setup, want []string) {
	t.Helper()
	if got := es.stored(hostID); !slices.Equal(got, want) {
		t.Fatalf("server holds %v for host %s, want %v", got, hostID, want)
	}
	if got := pendingIDs(t, st.Spool); len(got) != 0 {
		t.Fatalf("spool still holds %v", got)
	}
	if rej, _ := st.Spool.ListRejected(); len(rej) != 0 {
		t.Fatalf("rejected: %+v", rej)
	}
}

// errCrash stands for the process dying at a crash point.
var errCrash = errors.New("simulated crash")

// warnLinesWith counts warn-level log lines that carry field.
func warnLinesWith(log, field string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, `"level":"warn"`) && strings.Contains(l, `"`+field+`":`) {
			n++
		}
	}
	return n
}
