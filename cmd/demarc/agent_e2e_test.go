package main

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/demarc/demarc/agent/spool"
	"github.com/demarc/demarc/agent/textfile"
)

// TestAgentEndToEnd runs the real `demarc agent` process against loopback
// servers. The binary is built once, with a fake collector (build tag
// demarctest) so the scan is the same on every machine.
func TestAgentEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildAgent(t)
	t.Run("delivers with the right headers", func(t *testing.T) { e2eHeaders(t, bin) })
	t.Run("server down for N runs then up", func(t *testing.T) { e2eDownThenUp(t, bin) })
	t.Run("refused report goes to rejected once", func(t *testing.T) { e2eRejected(t, bin) })
	t.Run("unwritable spool keeps reports in memory", func(t *testing.T) { e2eUnwritableSpool(t, bin) })
	t.Run("kill -9 while writing the spool", func(t *testing.T) { e2eKill9(t, bin) })
	t.Run("SIGHUP with a bad then a good config", func(t *testing.T) { e2eReload(t, bin) })
	t.Run("SIGTERM during a slow scan", func(t *testing.T) { e2eSlowScanStop(t, bin) })
	t.Run("systemd notifications", func(t *testing.T) { e2eNotify(t, bin) })
	t.Run("config errors and warnings", func(t *testing.T) { e2eConfigCheck(t, bin) })
}

func e2eHeaders(t *testing.T, bin string) {
	rv := newE2EReceiver(t, 0)
	dir := t.TempDir()
	metrics := filepath.Join(dir, "metrics")
	os.Mkdir(metrics, 0o755)
	cfg := e2eConfig(t, dir, rv.url(), "textfile_dir: "+metrics+"\n")
	p := startAgent(t, bin, cfg)
	waitUntil(t, "a delivered report", func() bool { s, _, _ := rv.snapshot(); return len(s) >= 1 })
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	rv.mu.Lock()
	ua, bad := rv.ua[0], rv.badAuth
	rv.mu.Unlock()
	if bad != 0 || !strings.HasPrefix(ua, "demarc-agent/") {
		t.Fatalf("bad requests %d, User-Agent %q", bad, ua)
	}
	if _, err := os.Stat(filepath.Join(metrics, textfile.FileName)); err != nil {
		t.Fatalf("no metrics textfile: %v", err)
	}
	if !p.stderr.logged("info", "scan done") {
		t.Fatal("no scan log line")
	}
}

func reportIDs(files []string) []string {
	var out []string
	for _, f := range files {
		_, id, _ := strings.Cut(strings.TrimSuffix(f, ".json"), "-")
		out = append(out, id)
	}
	return out
}

func e2eDownThenUp(t *testing.T, bin string) {
	rv := newE2EReceiver(t, -1) // drops every connection
	dir := t.TempDir()
	p := startAgent(t, bin, e2eConfig(t, dir, rv.url(), ""))
	const n = 3
	sp := filepath.Join(dir, "spool")
	waitUntil(t, "n spooled reports", func() bool { return len(spoolFiles(t, sp)) >= n })
	waiting := reportIDs(spoolFiles(t, sp)) // oldest first: names sort by age
	rv.setStatus(0)
	waitUntil(t, "the spool to drain", func() bool { s, _, _ := rv.snapshot(); return len(s) >= len(waiting) })
	p.stop(t, syscall.SIGTERM)
	stored, receipts, bad := rv.snapshot()
	if !slices.Equal(stored[:len(waiting)], waiting) || bad != 0 {
		t.Fatalf("stored %v, want %v first, in that order (bad requests %d)", stored, waiting, bad)
	}
	for id, c := range receipts {
		if c != 1 {
			t.Errorf("report %s received %d times", id, c)
		}
	}
}

func e2eRejected(t *testing.T, bin string) {
	rv := newE2EReceiver(t, 400)
	dir := t.TempDir()
	p := startAgent(t, bin, e2eConfig(t, dir, rv.url(), ""))
	rej := spool.New(filepath.Join(dir, "spool"), 1000)
	waitUntil(t, "two rejected reports", func() bool { r, _ := rej.ListRejected(); return len(r) >= 2 })
	p.stop(t, syscall.SIGTERM)
	_, receipts, _ := rv.snapshot()
	for id, c := range receipts {
		if c != 1 {
			t.Errorf("refused report %s sent %d times", id, c)
		}
	}
	if left := spoolFiles(t, filepath.Join(dir, "spool")); len(left) != 0 {
		t.Fatalf("refused reports still pending: %v", left)
	}
}

func e2eUnwritableSpool(t *testing.T, bin string) {
	rv := newE2EReceiver(t, -1)
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o600)
	cfg := e2eConfig(t, dir, rv.url(), "")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), filepath.Join(dir, "spool"), filepath.Join(blocker, "spool"), 1)), 0o600)
	p := startAgent(t, bin, cfg)
	waitUntil(t, "two failed deliveries", func() bool {
		return strings.Count(p.stderr.String(), "cannot write the spool") >= 2
	})
	rv.setStatus(0)
	waitUntil(t, "the in-memory reports delivered", func() bool { s, _, _ := rv.snapshot(); return len(s) >= 2 })
	p.stop(t, syscall.SIGTERM)
	_, receipts, _ := rv.snapshot()
	for id, c := range receipts {
		if c != 1 {
			t.Errorf("report %s received %d times", id, c)
		}
	}
}

func e2eKill9(t *testing.T, bin string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/api/v1/reports"
	ln.Close() // connection refused: every report goes to the spool
	dir := t.TempDir()
	cfg := e2eConfig(t, dir, down, "")
	sp := filepath.Join(dir, "spool")
	big := []string{"DEMARC_TEST_COMPONENTS=20000"} // a few MB: the write takes a while
	// Each round starts an agent, waits until its spool write has begun
	// (a new temporary file), and kills it at once: mostly mid-write. A
	// round ends with either the interrupted write's temporary file left
	// or one more whole report, never a broken one.
	const rounds = 30
	checked := map[string]bool{} // a spool file never changes once in place
	seenTmp := map[string]bool{}
	midWrite, whole := 0, 0
	for i := range rounds {
		before := len(spoolFiles(t, sp))
		p := startAgent(t, bin, cfg, big...)
		tmp := ""
		deadline := time.Now().Add(time.Minute)
		for tmp == "" {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: no spool write began within a minute", i)
			}
			des, _ := os.ReadDir(sp)
			for _, d := range des {
				if strings.HasPrefix(d.Name(), ".tmp-") && !seenTmp[d.Name()] {
					tmp = d.Name()
				}
			}
			if tmp == "" && len(spoolFiles(t, sp)) > before {
				tmp = "(missed: the write finished between two looks)"
			}
		}
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.wait(t)
		seenTmp[tmp] = true
		_, err := os.Stat(filepath.Join(sp, tmp))
		left := err == nil
		after := len(spoolFiles(t, sp))
		switch {
		case left && after == before:
			midWrite++
		case !left && after == before+1:
			whole++
		default:
			t.Fatalf("round %d: temporary file %s left %v, whole reports %d → %d", i, tmp, left, before, after)
		}
		for _, f := range spoolFiles(t, sp) {
			if checked[f] {
				continue
			}
			checked[f] = true
			b, err := os.ReadFile(filepath.Join(sp, f))
			if err != nil {
				t.Fatal(err)
			}
			var head struct {
				ReportID string `json:"report_id"`
			}
			if err := json.Unmarshal(b, &head); err != nil || !strings.Contains(f, head.ReportID) {
				t.Fatalf("round %d: spool file %s is not a whole report: %v", i, f, err)
			}
		}
	}
	t.Logf("%d rounds: %d killed mid-write, %d after the write", rounds, midWrite, whole)
	if midWrite < rounds/2 {
		t.Fatalf("only %d of %d kills landed mid-write: the test did not test the interrupted write", midWrite, rounds)
	}
	// What the spool yields to the agent and to `spool list`: nothing
	// corrupt, nothing moved aside.
	out, err := exec.Command(bin, "spool", "list", "--json", "--config", cfg).Output()
	if err != nil {
		t.Fatal(err)
	}
	var items []spoolItem
	if err := json.Unmarshal(out, &items); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.State != "pending" {
			t.Fatalf("spool item %+v", it)
		}
	}
	if len(items) != whole {
		t.Fatalf("spool list shows %d reports, %d writes completed", len(items), whole)
	}
	// The last agent start cleans the temporary files of interrupted writes.
	rv := newE2EReceiver(t, 0)
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), down, rv.url(), 1)), 0o600)
	p := startAgent(t, bin, cfg)
	waitUntilFor(t, "the spool to drain", 5*time.Minute, func() bool { s, _, _ := rv.snapshot(); return len(s) > len(items) })
	p.stop(t, syscall.SIGTERM)
	if c, _ := spool.New(sp, 1000).ListCorrupt(); len(c) != 0 {
		t.Fatalf("moved aside as corrupt: %v", c)
	}
	des, _ := os.ReadDir(sp)
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".tmp-") {
			t.Fatalf("temporary file %s survived the restart", de.Name())
		}
	}
	_, receipts, _ := rv.snapshot()
	for _, it := range items {
		if receipts[it.ReportID] != 1 {
			t.Fatalf("report %s received %d times", it.ReportID, receipts[it.ReportID])
		}
	}
}

func e2eReload(t *testing.T, bin string) {
	a, b := newE2EReceiver(t, 0), newE2EReceiver(t, 0)
	dir := t.TempDir()
	cfg := e2eConfig(t, dir, a.url(), "")
	good, _ := os.ReadFile(cfg)
	p := startAgent(t, bin, cfg)
	waitUntil(t, "delivery to the first server", func() bool { s, _, _ := a.snapshot(); return len(s) >= 1 })

	// A typo, pointing at the second server: rejected, the first keeps
	// getting reports.
	bad := strings.Replace(string(good), a.url(), b.url(), 1) + "spool_dir: /tmp\n"
	os.WriteFile(cfg, []byte(bad), 0o600)
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitUntil(t, "the reload to be rejected", func() bool {
		return p.stderr.logged("error", "configuration reload rejected: keeping the running configuration")
	})
	s, _, _ := a.snapshot()
	waitUntil(t, "more reports to the first server", func() bool { s2, _, _ := a.snapshot(); return len(s2) > len(s)+1 })

	os.WriteFile(cfg, []byte(strings.Replace(string(good), a.url(), b.url(), 1)), 0o600)
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitUntil(t, "reports to the second server", func() bool { s, _, _ := b.snapshot(); return len(s) >= 1 })
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func e2eSlowScanStop(t *testing.T, bin string) {
	rv := newE2EReceiver(t, 0)
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify")
	notes := listenNotify(t, sock)
	p := startAgent(t, bin, e2eConfig(t, dir, rv.url(), ""), "DEMARC_TEST_SCAN_DELAY=1h", "NOTIFY_SOCKET="+sock)
	waitNote(t, notes, "STATUS=scanning")
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	if f := spoolFiles(t, filepath.Join(dir, "spool")); len(f) != 0 {
		t.Fatalf("spool holds %v after a cancelled scan", f)
	}
	des, _ := os.ReadDir(filepath.Join(dir, "spool"))
	for _, de := range des {
		if !de.IsDir() {
			t.Fatalf("left behind: %s", de.Name())
		}
	}
	if !p.stderr.logged("info", "scan cancelled: the agent is stopping") {
		t.Fatal("the in-flight scan was not cancelled")
	}
}

func e2eNotify(t *testing.T, bin string) {
	rv := newE2EReceiver(t, 0)
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify")
	notes := listenNotify(t, sock)
	p := startAgent(t, bin, e2eConfig(t, dir, rv.url(), ""), "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=100000")
	waitNote(t, notes, "READY=1")
	waitNote(t, notes, "WATCHDOG=1")
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitNote(t, notes, "RELOADING=1")
	waitNote(t, notes, "READY=1")
	p.cmd.Process.Signal(syscall.SIGTERM)
	waitNote(t, notes, "STOPPING=1")
	p.wait(t)
}

func listenNotify(t *testing.T, sock string) <-chan string {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ch := make(chan string, 1000)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			for _, l := range strings.Split(strings.TrimSpace(string(buf[:n])), "\n") {
				select {
				case ch <- l:
				default:
				}
			}
		}
	}()
	return ch
}

func waitNote(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	guard := time.After(30 * time.Second)
	for {
		select {
		case l := <-ch:
			if l == want {
				return
			}
		case <-guard:
			t.Fatalf("no %s from the agent", want)
		}
	}
}

func e2eConfigCheck(t *testing.T, bin string) {
	// --offline: demarc.example.net is not asked for the token's role
	// (configcmd_test.go covers that against a loopback server).
	dir := t.TempDir()
	cfg := e2eConfig(t, dir, "https://demarc.example.net/api/v1/reports", "")
	run := func(args ...string) (int, string) {
		out, err := exec.Command(bin, args...).Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, _ := run("config", "check", "--offline", "--config", cfg); code != 0 {
		t.Fatalf("good config: exit %d", code)
	}
	if os.Geteuid() == 0 {
		os.Chown(filepath.Join(dir, "token"), 0, 65534)
		os.Chmod(filepath.Join(dir, "token"), 0o640)
		if code, out := run("config", "check", "--offline", "--config", cfg); code != 0 || !strings.HasPrefix(out, "warning: ") {
			t.Fatalf("token readable by another group: exit %d, output %q", code, out)
		}
	}
	os.Chmod(filepath.Join(dir, "token"), 0o644)
	if code, _ := run("config", "check", "--offline", "--config", cfg); code != 2 {
		t.Fatalf("world-readable token: exit %d, want 2 (a leaked token is refused)", code)
	}
	os.Remove(filepath.Join(dir, "token"))
	if code, _ := run("config", "check", "--offline", "--config", cfg); code != 2 {
		t.Fatalf("missing token: exit %d, want 2", code)
	}
	typo := filepath.Join(dir, "typo.yaml")
	os.WriteFile(typo, []byte("schedul: \"@every 1h\"\n"), 0o600)
	if code, _ := run("config", "check", "--offline", "--config", typo); code != 2 {
		t.Fatalf("typo: exit %d, want 2", code)
	}
	if code, _ := run("agent", "--config", typo); code != 2 {
		t.Fatalf("agent with a typo: exit %d, want 2", code)
	}
}
