package agent

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/spool"
	"github.com/demarc/demarc/report"
)

func TestServerDownForNRunsThenUp(t *testing.T) {
	rv, srv := newReceiver(t)
	sc := &scanner{}
	st := newSetup(t, srv.URL, sc)
	a, _ := newAgent(t, st)
	ctx := context.Background()

	rv.set(modeDown, 0, "", "")
	const n = 5
	for range n {
		a.run(ctx, st)
	}
	if got := pendingIDs(t, st.Spool); !slices.Equal(got, ids(n)) {
		t.Fatalf("spool = %v, want %v", got, ids(n))
	}
	rv.set(modeUp, 0, "", "")
	a.run(ctx, st)
	stored, _, bad := rv.snapshot()
	if !slices.Equal(stored, ids(n+1)) || len(bad) > 0 {
		t.Fatalf("stored %v (bad requests %v), want %v in order", stored, bad, ids(n+1))
	}
	if got := pendingIDs(t, st.Spool); len(got) != 0 {
		t.Fatalf("spool still holds %v", got)
	}
}

func TestUnreachableServerThenUpOnTheSamePort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gl := &gateListener{Listener: ln}
	rv := &receiver{reports: map[string]report.Report{}}
	srv := &http.Server{Handler: rv}
	go srv.Serve(gl)
	t.Cleanup(func() { srv.Close() })
	sc := &scanner{}
	st := newSetup(t, "http://"+ln.Addr().String()+"/api/v1/reports", sc)
	a, _ := newAgent(t, st)
	for range 3 {
		a.run(context.Background(), st)
	}
	if got := pendingIDs(t, st.Spool); !slices.Equal(got, ids(3)) {
		t.Fatalf("spool = %v, want %v", got, ids(3))
	}
	if n := gl.resets.Load(); n < 3 {
		t.Fatalf("%d connections reset while the server was unreachable, want one per run (3)", n)
	}
	if _, n, _ := rv.snapshot(); n != 0 {
		t.Fatalf("the server saw %d requests while unreachable", n)
	}
	// The server comes back on the same address.
	gl.up.Store(true)
	a.run(context.Background(), st)
	if s, _, _ := rv.snapshot(); !slices.Equal(s, ids(4)) {
		t.Fatalf("stored %v, want %v", s, ids(4))
	}
	if got := pendingIDs(t, st.Spool); len(got) != 0 {
		t.Fatalf("spool still holds %v", got)
	}
}

// gateListener is a listener the test keeps for its whole run, so its
// port cannot be lost to another process. While down it resets every
// connection as soon as it is accepted (the client fails before any HTTP
// is spoken, as against a host where nothing listens); once up it hands
// connections to the server.
type gateListener struct {
	net.Listener
	up     atomic.Bool
	resets atomic.Int64
}

func (l *gateListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || l.up.Load() {
			return c, err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // close with RST: "connection reset by peer"
		}
		c.Close()
		l.resets.Add(1)
	}
}

func TestBackoffTimerDrainsWithoutAScan(t *testing.T) {
	rv, srv := newReceiver(t)
	sc := &scanner{}
	st := newSetup(t, srv.URL, sc)
	st.RunOnStart = true
	rv.set(modeCode, 503, "", "maintenance")
	a, _ := newAgent(t, st)
	a.o.Load = func() (*Setup, error) { return st, nil }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, nil) }()
	eventually(t, "a failed delivery", func() bool { _, n, _ := rv.snapshot(); return n >= 1 })
	rv.set(modeUp, 0, "", "")
	eventually(t, "the backoff drain", func() bool { s, _, _ := rv.snapshot(); return len(s) == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sc.n.Load() != 1 {
		t.Fatalf("scans = %d, want 1: the drain must not need a scan", sc.n.Load())
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	a, _ := newAgent(t, st)
	rv.set(modeCode, 429, "3", "slow down")
	a.run(context.Background(), st)
	ev := a.drainNow(context.Background(), st)
	if ev.retryIn != 3*time.Second {
		t.Fatalf("next drain in %v, want the server's 3s", ev.retryIn)
	}
	if got := pendingIDs(t, st.Spool); len(got) != 1 {
		t.Fatalf("spool = %v, want the report kept", got)
	}
}

func TestServerErrorsAndGarbageKeepTheReport(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"500", 500, "<html>Internal Server Error</html>"},
		{"502 garbage", 502, "\x00\xffgarbage"},
		{"408", 408, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rv, srv := newReceiver(t)
			st := newSetup(t, srv.URL, &scanner{})
			a, _ := newAgent(t, st)
			rv.set(modeCode, tc.status, "", tc.body)
			a.run(context.Background(), st)
			if got := pendingIDs(t, st.Spool); !slices.Equal(got, ids(1)) {
				t.Fatalf("spool = %v", got)
			}
			rv.set(modeUp, 0, "", "")
			a.drainNow(context.Background(), st)
			if s, _, _ := rv.snapshot(); !slices.Equal(s, ids(1)) {
				t.Fatalf("stored %v", s)
			}
		})
	}
}

func TestServerThatNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // accepted, never answered
		}
	}()
	url := "http://" + ln.Addr().String() + "/api/v1/reports"
	c, err := deliver.New(deliver.Options{URL: url, TokenFile: writeToken(t), Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st := newSetup(t, url, &scanner{})
	st.Sender = c
	a, _ := newAgent(t, st)
	a.run(context.Background(), st)
	if got := pendingIDs(t, st.Spool); !slices.Equal(got, ids(1)) {
		t.Fatalf("spool = %v, want the report kept", got)
	}
	if a.stats.DeliveryFailures != 1 {
		t.Fatalf("delivery failures = %d", a.stats.DeliveryFailures)
	}
}

func TestRejectedReportIsKeptAndNotRetried(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	a, _ := newAgent(t, st)
	rv.set(modeCode, 400, "", `{"error":"host.host_id is empty"}`)
	a.run(context.Background(), st)
	a.drainNow(context.Background(), st)
	a.drainNow(context.Background(), st)
	if _, n, _ := rv.snapshot(); n != 1 {
		t.Fatalf("server saw %d attempts, want exactly one", n)
	}
	rej, err := st.Spool.ListRejected()
	if err != nil || len(rej) != 1 || rej[0].ID != "r001" || !strings.Contains(rej[0].Reason, "host_id is empty") {
		t.Fatalf("rejected = %+v, %v", rej, err)
	}
	if got := pendingIDs(t, st.Spool); len(got) != 0 {
		t.Fatalf("spool = %v", got)
	}
}

func TestUnwritableSpoolKeepsReportsInMemory(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	// A regular file where the spool directory's parent should be: every
	// write fails, even for root.
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	st.Spool = spool.New(filepath.Join(f, "spool"), 100)
	a, logs := newAgent(t, st)
	rv.set(modeDown, 0, "", "")
	a.run(context.Background(), st)
	a.run(context.Background(), st)
	if len(a.mem) != 2 {
		t.Fatalf("in memory: %d reports, want 2", len(a.mem))
	}
	if !strings.Contains(logs.String(), `"level":"error"`) {
		t.Fatal("no error logged for the unwritable spool")
	}
	rv.set(modeUp, 0, "", "")
	a.run(context.Background(), st)
	if s, _, _ := rv.snapshot(); !slices.Equal(s, ids(3)) {
		t.Fatalf("stored %v, want %v", s, ids(3))
	}
}

func TestSpoolRepairedMovesMemoryReportsInOrder(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	dir := st.Spool.Dir()
	a, _ := newAgent(t, st)
	rv.set(modeDown, 0, "", "")
	a.run(context.Background(), st) // r001 spooled
	good := st.Spool
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	st.Spool = spool.New(filepath.Join(f, "spool"), 100)
	a.run(context.Background(), st) // r002 in memory: the spool broke
	st.Spool = good
	a.run(context.Background(), st) // r002 then r003 join the spool
	if got := pendingIDs(t, spool.New(dir, 100)); !slices.Equal(got, ids(3)) {
		t.Fatalf("spool = %v, want %v", got, ids(3))
	}
	rv.set(modeUp, 0, "", "")
	a.drainNow(context.Background(), st)
	if s, _, _ := rv.snapshot(); !slices.Equal(s, ids(3)) {
		t.Fatalf("stored %v", s)
	}
}

func TestFullSpoolDropsOldestAndSaysSo(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	st.Spool = spool.New(filepath.Join(t.TempDir(), "spool"), 2)
	st.MaxReports = 2
	a, _ := newAgent(t, st)
	rv.set(modeDown, 0, "", "")
	for range 4 {
		a.run(context.Background(), st)
	}
	if got := pendingIDs(t, st.Spool); !slices.Equal(got, []string{"r003", "r004"}) {
		t.Fatalf("spool = %v", got)
	}
	rv.set(modeUp, 0, "", "")
	a.run(context.Background(), st)
	s, _, _ := rv.snapshot()
	// r005 joined the full spool behind r004 and pushed r003 out.
	if !slices.Equal(s, []string{"r004", "r005"}) {
		t.Fatalf("stored %v", s)
	}
	// Each drop is told in the next report written: r001's in r004,
	// r002's in r005; r003's waits for the next scan.
	rv.mu.Lock()
	defer rv.mu.Unlock()
	for _, id := range []string{"r004", "r005"} {
		errs := rv.reports[id].Errors
		if len(errs) != 1 || errs[0].Collector != agentCollector || !strings.HasPrefix(errs[0].Error, "1 ") {
			t.Fatalf("%s errors = %+v, want one dropped report counted", id, errs)
		}
	}
	if a.stats.Dropped != 3 || a.dropped != 1 {
		t.Fatalf("dropped metric = %d, still to report %d", a.stats.Dropped, a.dropped)
	}
}

func TestCorruptSpoolFileIsMovedAsideNotSent(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	a, _ := newAgent(t, st)
	bad := filepath.Join(st.Spool.Dir(), "00000000000000000001-half.json")
	if err := os.WriteFile(bad, []byte(`{"schema":"demarc.report/v1","report_id":"ha`), 0o600); err != nil {
		t.Fatal(err)
	}
	a.run(context.Background(), st)
	s, n, _ := rv.snapshot()
	if !slices.Equal(s, ids(1)) || n != 1 {
		t.Fatalf("stored %v after %d attempts", s, n)
	}
	if c, _ := st.Spool.ListCorrupt(); len(c) != 1 {
		t.Fatalf("corrupt = %v", c)
	}
}

func TestReportDeliveredTwiceIsStoredOnce(t *testing.T) {
	// A crash between the server's 202 and the removal of the spool file
	// sends the report again: same report_id, so the server keeps one.
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	a, _ := newAgent(t, st)
	rv.set(modeDown, 0, "", "")
	a.run(context.Background(), st)
	es, _ := st.Spool.List()
	data, err := st.Spool.Load(es[0])
	if err != nil {
		t.Fatal(err)
	}
	rv.set(modeUp, 0, "", "")
	a.drainNow(context.Background(), st)
	if _, err := st.Spool.Put("r001", data); err != nil { // the "crash"
		t.Fatal(err)
	}
	a.drainNow(context.Background(), st)
	s, n, _ := rv.snapshot()
	if !slices.Equal(s, ids(1)) || n != 3 {
		t.Fatalf("stored %v after %d attempts, want r001 once after 3", s, n)
	}
}

func TestTokenIsNeverLogged(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	a, logs := newAgent(t, st)
	for _, status := range []int{401, 400, 500} {
		rv.set(modeCode, status, "", "echo: Bearer "+testToken[:3])
		a.run(context.Background(), st)
	}
	rv.set(modeUp, 0, "", "")
	a.drainNow(context.Background(), st)
	if strings.Contains(logs.String(), testToken) {
		t.Fatal("the token appears in the log")
	}
}

func TestFlush(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	a, _ := newAgent(t, st)
	rv.set(modeDown, 0, "", "")
	for range 3 {
		a.run(context.Background(), st)
	}
	res, err := Flush(context.Background(), st, a.log)
	if err != nil || res.Err == nil || res.Pending != 3 {
		t.Fatalf("Flush while down = %+v, %v", res, err)
	}
	rv.set(modeUp, 0, "", "")
	res, err = Flush(context.Background(), st, a.log)
	if err != nil || res.Err != nil || res.Delivered != 3 || res.Pending != 0 {
		t.Fatalf("Flush = %+v, %v", res, err)
	}
	if s, _, _ := rv.snapshot(); !slices.Equal(s, ids(3)) {
		t.Fatalf("stored %v", s)
	}
}

// A spool directory left world-writable: another user plants a report
// (their own file, and a symlink to one) hoping the agent sends it with
// its token. The agent tightens the directory, sends only its own report
// and moves the planted ones aside.
func TestPlantedReportsAreNeverDelivered(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	dir := st.Spool.Dir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	planted := func(id string) []byte {
		return []byte(`{"schema":"demarc.report/v1","report_id":"` + id + `","components":[],"findings":[],"errors":[]}`)
	}
	target := filepath.Join(t.TempDir(), "evil.json")
	if err := os.WriteFile(target, planted("symlinked"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "00000000000000000001-symlinked.json")); err != nil {
		t.Fatal(err)
	}
	want := 1
	if os.Geteuid() == 0 {
		p := filepath.Join(dir, "00000000000000000002-foreign.json")
		if err := os.WriteFile(p, planted("foreign"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		want = 2
	} else {
		t.Log("not root: the other user's file is not covered")
	}
	a, logs := newAgent(t, st)
	a.run(context.Background(), st)
	if s, _, _ := rv.snapshot(); !slices.Equal(s, ids(1)) {
		t.Fatalf("stored %v, want only the agent's own r001", s)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("spool dir mode %v (%v), want 0700", fi.Mode(), err)
	}
	if c, _ := st.Spool.ListCorrupt(); len(c) != want || a.stats.Untrusted != int64(want) {
		t.Fatalf("moved aside %v, untrusted %d, want %d", c, a.stats.Untrusted, want)
	}
	if n := strings.Count(logs.String(), `"level":"warn"`); n != 1 {
		t.Fatalf("%d warnings, want one for the tightened directory", n)
	}
}

// A spool directory another user owns is not used: reports are held in
// memory (and delivered from there), none is written into or read from it.
func TestSpoolOfAnotherUserIsNotUsed(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the spool directory to another user (os.Chown)")
	}
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	dir := st.Spool.Dir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(dir, "00000000000000000001-planted.json")
	if err := os.WriteFile(planted, []byte(`{"schema":"demarc.report/v1","report_id":"planted"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chown(planted, 65534, 65534)
	a, logs := newAgent(t, st)
	if !strings.Contains(logs.String(), "spool directory unusable") {
		t.Fatal("no error for the other user's spool directory")
	}
	rv.set(modeDown, 0, "", "")
	a.run(context.Background(), st)
	if len(a.mem) != 1 {
		t.Fatalf("in memory: %d reports, want 1", len(a.mem))
	}
	rv.set(modeUp, 0, "", "")
	a.run(context.Background(), st)
	if s, _, _ := rv.snapshot(); !slices.Equal(s, ids(2)) {
		t.Fatalf("stored %v, want %v and never the planted report", s, ids(2))
	}
	if des, _ := os.ReadDir(dir); len(des) != 1 {
		t.Fatalf("spool dir holds %v, want only the planted file", des)
	}
}
