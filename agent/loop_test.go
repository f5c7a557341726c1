package agent

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/sdnotify"
	"github.com/demarc/demarc/agent/textfile"
	"github.com/demarc/demarc/report"
)

// start runs a in the background; the returned stop cancels it and waits.
func start(t *testing.T, a *Agent, reload <-chan struct{}) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, reload) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				err = errors.New("Run did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestNeverTwoScansAtOnce(t *testing.T) {
	var inflight, most, calls atomic.Int64
	release := make(chan struct{})
	st := &Setup{Schedule: every(time.Millisecond), Scan: func(ctx context.Context) (*report.Report, error) {
		calls.Add(1)
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return &report.Report{ReportID: "x"}, nil
	}}
	a, logs := newAgent(t, st)
	a.o.Load = func() (*Setup, error) { return st, nil }
	stop := start(t, a, nil)
	eventually(t, "skipped scans", func() bool { return a.skipped.Load() >= 3 })
	close(release)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if most.Load() != 1 {
		t.Fatalf("%d scans ran at once", most.Load())
	}
	if !strings.Contains(logs.String(), "scan skipped") {
		t.Fatal("skipped scans were not logged")
	}
}

func TestReloadGoodAndBadConfig(t *testing.T) {
	var oldScans, newScans atomic.Int64
	count := func(n *atomic.Int64) ScanFunc {
		return func(ctx context.Context) (*report.Report, error) { n.Add(1); return &report.Report{ReportID: "x"}, nil }
	}
	old := &Setup{Schedule: every(5 * time.Millisecond), Scan: count(&oldScans)}
	next := &Setup{Schedule: every(5 * time.Millisecond), Scan: count(&newScans)}
	var loads atomic.Int64
	a, logs := newAgent(t, old)
	a.o.Load = func() (*Setup, error) {
		switch loads.Add(1) {
		case 1:
			return old, nil
		case 2:
			return nil, errors.New("agent.yaml:3: tierr: field not found")
		default:
			return next, nil
		}
	}
	reload := make(chan struct{})
	start(t, a, reload)
	eventually(t, "scans with the first config", func() bool { return oldScans.Load() >= 2 })

	reload <- struct{}{} // a bad config: rejected, the old one keeps running
	eventually(t, "the bad reload", func() bool { return loads.Load() == 2 })
	n := oldScans.Load()
	eventually(t, "scans with the kept config", func() bool { return oldScans.Load() >= n+2 })
	if newScans.Load() != 0 || !strings.Contains(logs.String(), "reload rejected") {
		t.Fatal("a bad config was not rejected")
	}

	reload <- struct{}{} // a good config: taken
	eventually(t, "scans with the new config", func() bool { return newScans.Load() >= 2 })
}

func TestStopCancelsASlowScan(t *testing.T) {
	rv, srv := newReceiver(t)
	st := newSetup(t, srv.URL, &scanner{})
	st.RunOnStart = true
	started := make(chan struct{})
	var sawCancel atomic.Bool
	st.Scan = func(ctx context.Context) (*report.Report, error) {
		close(started)
		<-ctx.Done() // a scan that would otherwise take forever
		sawCancel.Store(true)
		return nil, ctx.Err()
	}
	a, _ := newAgent(t, st)
	a.o.Load = func() (*Setup, error) { return st, nil }
	stop := start(t, a, nil)
	<-started
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !sawCancel.Load() {
		t.Fatal("the scan's context was not cancelled")
	}
	des, _ := os.ReadDir(st.Spool.Dir())
	for _, de := range des {
		if !de.IsDir() {
			t.Fatalf("left in the spool: %s", de.Name())
		}
	}
	if _, n, _ := rv.snapshot(); n != 0 {
		t.Fatalf("the server got %d requests from a cancelled scan", n)
	}
}

func TestLoadErrorAtStartIsReturned(t *testing.T) {
	bad := errors.New("bad config")
	a := New(Options{Log: zerolog.Nop(), Load: func() (*Setup, error) { return nil, bad }})
	if err := a.Run(context.Background(), nil); !errors.Is(err, bad) {
		t.Fatalf("Run = %v, want the load error", err)
	}
	if err := New(Options{}).Run(context.Background(), nil); !errors.Is(err, ErrNoLoad) {
		t.Fatalf("Run without Load = %v", err)
	}
}

func TestSystemdNotifications(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			got <- string(buf[:n])
		}
	}()
	st := &Setup{Schedule: later{}, Scan: (&scanner{}).scan}
	a, _ := newAgent(t, st)
	a.o.Load = func() (*Setup, error) { return st, nil }
	a.o.Notify = sdnotify.FromEnv(func(string) string { return sock })
	a.o.Watchdog = 5 * time.Millisecond
	reload := make(chan struct{}, 1)
	stop := start(t, a, reload)

	want := []string{sdnotify.Ready, sdnotify.Watchdog, sdnotify.Reloading, sdnotify.Ready, sdnotify.Stopping}
	for i, w := range want {
		if w == sdnotify.Reloading {
			reload <- struct{}{}
		}
		if w == sdnotify.Stopping {
			go stop()
		}
		waitFor(t, got, w, i)
	}
}

func waitFor(t *testing.T, got <-chan string, want string, i int) {
	t.Helper()
	guard := time.After(20 * time.Second)
	for {
		select {
		case m := <-got:
			if strings.Contains(m, want+"\n") {
				return
			}
		case <-guard:
			t.Fatalf("notification %d: no %s", i, want)
		}
	}
}

func TestTextfileWrittenAfterEachRun(t *testing.T) {
	dir := t.TempDir()
	st := &Setup{Schedule: later{}, Scan: (&scanner{}).scan, TextfileDir: dir}
	a, _ := newAgent(t, st)
	a.run(context.Background(), st)
	b, err := os.ReadFile(filepath.Join(dir, textfile.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\ndemarc_last_scan_success 1\n") {
		t.Fatalf("metrics:\n%s", b)
	}
	st.Scan = func(context.Context) (*report.Report, error) { return nil, errors.New("boom") }
	a.run(context.Background(), st)
	b, _ = os.ReadFile(filepath.Join(dir, textfile.FileName))
	if !strings.Contains(string(b), "\ndemarc_last_scan_success 0\n") {
		t.Fatalf("metrics after a failed scan:\n%s", b)
	}
}

func TestSplayIsDrawnForEachRun(t *testing.T) {
	var mu sync.Mutex
	var asked []time.Duration
	st := &Setup{Schedule: every(time.Millisecond), Splay: 7 * time.Minute, Scan: (&scanner{}).scan}
	a, _ := newAgent(t, st)
	a.o.Load = func() (*Setup, error) { return st, nil }
	a.o.Rand = func(n time.Duration) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, n)
		return 0
	}
	stop := start(t, a, nil)
	eventually(t, "a few runs", func() bool { mu.Lock(); defer mu.Unlock(); return len(asked) >= 3 })
	stop()
	mu.Lock()
	defer mu.Unlock()
	for _, n := range asked[:3] {
		if n != 7*time.Minute {
			t.Fatalf("splay drawn from [0, %v), want [0, 7m)", n)
		}
	}
}
