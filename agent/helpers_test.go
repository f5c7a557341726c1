package agent

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/spool"
	"github.com/demarc/demarc/report"
)

const testToken = "tok-5ecret-never-logged"

// Receiver modes.
const (
	modeUp   = iota // store reports, dedupe on report_id
	modeDown        // accept the connection and drop it: a network error
	modeCode        // answer with status (and Retry-After, body)
)

// receiver is a demarc-server stand-in: it stores each report_id once, in
// order of first receipt, answering 202 then 200 for a duplicate.
type receiver struct {
	mu         sync.Mutex
	mode       int
	status     int
	retryAfter string
	body       string
	attempts   int
	stored     []string
	reports    map[string]report.Report
	bad        []string // requests that lacked the expected headers
}

func newReceiver(t *testing.T) (*receiver, *httptest.Server) {
	rv := &receiver{reports: map[string]report.Report{}}
	srv := httptest.NewServer(rv)
	t.Cleanup(srv.Close)
	return rv, srv
}

func (rv *receiver) set(mode, status int, retryAfter, body string) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.mode, rv.status, rv.retryAfter, rv.body = mode, status, retryAfter, body
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.attempts++
	switch rv.mode {
	case modeDown:
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
		return
	case modeCode:
		if rv.retryAfter != "" {
			w.Header().Set("Retry-After", rv.retryAfter)
		}
		w.WriteHeader(rv.status)
		io.WriteString(w, rv.body)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("Content-Encoding") != "gzip" ||
		r.Header.Get("Content-Type") != "application/json" || r.Method != http.MethodPost {
		rv.bad = append(rv.bad, fmt.Sprint(r.Method, r.Header))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var rep report.Report
	if err := json.NewDecoder(zr).Decode(&rep); err != nil || rep.ReportID == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if _, dup := rv.reports[rep.ReportID]; dup {
		w.WriteHeader(http.StatusOK)
		return
	}
	rv.reports[rep.ReportID] = rep
	rv.stored = append(rv.stored, rep.ReportID)
	w.WriteHeader(http.StatusAccepted)
}

func (rv *receiver) snapshot() (stored []string, attempts int, bad []string) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]string(nil), rv.stored...), rv.attempts, append([]string(nil), rv.bad...)
}

// scanner makes reports r001, r002... and counts its calls.
type scanner struct{ n atomic.Int64 }

func (s *scanner) scan(ctx context.Context) (*report.Report, error) {
	i := s.n.Add(1)
	return &report.Report{
		Schema: report.Schema, ReportID: fmt.Sprintf("r%03d", i), ScannedAt: time.Now().UTC(),
		Components: []report.Component{}, Findings: []report.Finding{}, Errors: []report.CollectorError{},
	}, nil
}

// later is a schedule that never comes within a test.
type later struct{}

func (later) Next(t time.Time) time.Time { return t.Add(100 * 365 * 24 * time.Hour) }

// every is a schedule that fires every d.
type every time.Duration

func (e every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

func writeToken(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newSetup(t *testing.T, url string, sc *scanner) *Setup {
	t.Helper()
	c, err := deliver.New(deliver.Options{URL: url, TokenFile: writeToken(t), Timeout: 5 * time.Second, UserAgent: UserAgent("test")})
	if err != nil {
		t.Fatal(err)
	}
	return &Setup{
		Schedule: later{}, Scan: sc.scan, Sender: c,
		Spool: spool.New(filepath.Join(t.TempDir(), "spool"), 100), MaxReports: 100, URL: url,
	}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newAgent returns an agent with no jitter and a log buffer, and readies
// st as Run would.
func newAgent(t *testing.T, st *Setup) (*Agent, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	a := New(Options{Log: zerolog.New(buf), Rand: func(time.Duration) time.Duration { return 0 },
		BackoffInitial: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	a.prepare(st, "test", true)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("agent log:\n%s", buf.String())
		}
	})
	return a, buf
}

func pendingIDs(t *testing.T, sp *spool.Spool) []string {
	t.Helper()
	es, err := sp.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// eventually polls cond until it holds or the test's guard runs out. It
// bounds a wait; it does not assert on how long anything takes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ids(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("r%03d", i))
	}
	return out
}
