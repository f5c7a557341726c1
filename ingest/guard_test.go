package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
)

// slowPost opens a connection and sends a report post's headers and a
// few bytes of a body it never finishes; it returns the status the server
// answers (0 if the connection ends without one).
func slowPost(t *testing.T, addr, token string) <-chan int {
	t.Helper()
	out := make(chan int, 1)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"schema\":", token)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			out <- 0
			return
		}
		resp.Body.Close()
		out <- resp.StatusCode
	}()
	return out
}

// TestSlowBodiesStarveNoOtherTenant is the attack in which one agent token
// opened 2,100 slow POSTs and another tenant's agent got 503: the
// server-wide in-flight pool was taken before the bodies were read. Now a
// body is read, under a deadline, before the report takes a pipeline slot,
// and each token and tenant has its own cap on requests under way.
func TestSlowBodiesStarveNoOtherTenant(t *testing.T) {
	e := newEnv(t, func(c *ingestConfig) {
		c.MaxInFlight, c.MaxPerToken, c.MaxPerTenant = 8, 4, 6
		c.BodyTimeout = 2 * time.Second
		c.RatePerSecond = -1
	})
	second := e.addToken("acme", store.RoleAgent) // tenant A's flood uses two tokens
	addr := strings.TrimPrefix(e.http.URL, "http://")
	const flood = 40
	var answers []<-chan int
	for i := range flood {
		tok := e.tok["agentA"]
		if i%2 == 1 {
			tok = second
		}
		answers = append(answers, slowPost(t, addr, tok))
	}
	// The requests past the caps are answered at once; the six within them
	// wait for their bodies. (The bound only keeps a broken server from
	// hanging the test: tenant B posts after it either way.)
	counts := map[int]int{}
	var pending []<-chan int
	deadline := time.After(20 * time.Second)
	for _, a := range answers {
		select {
		case st := <-a:
			counts[st]++
		case <-time.After(50 * time.Millisecond):
			pending = append(pending, a)
		case <-deadline:
			pending = append(pending, a)
		}
	}
	for i := range 10 {
		if st, body := e.post(e.tok["agentB"], host(uint64(100+i), "globex").Next(t0)); st != http.StatusAccepted {
			t.Fatalf("tenant B's post %d during tenant A's flood: %d %v", i, st, body)
		}
	}
	for _, a := range pending {
		counts[<-a]++
	}
	if counts[http.StatusTooManyRequests] != flood-6 || counts[http.StatusRequestTimeout] != 6 {
		t.Errorf("tenant A's flood got %v, want %d × 429 and 6 × 408", counts, flood-6)
	}
}

// countingStore counts token lookups.
type countingStore struct {
	store.Store
	lookups atomic.Int64
}

func (c *countingStore) Token(ctx context.Context, id string) (store.Token, error) {
	c.lookups.Add(1)
	return c.Store.Token(ctx, id)
}

// syncBuffer is a log sink safe for the server's goroutines.
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

// TestBadTokensAreThrottled is the attack in which guessing tokens was
// free: each bad token cost a database lookup and a log line, 1,080 tries
// a second. Failures are now throttled per client address before the
// lookup, and their log lines are sampled; an agent behind the same
// address whose token is known good goes on working.
func TestBadTokensAreThrottled(t *testing.T) {
	var logs syncBuffer
	e := newEnv(t, nil)
	cs := &countingStore{Store: e.st}
	srv, err := ingest.New(ingest.Config{Store: cs, Log: zerolog.New(&logs).Level(zerolog.InfoLevel),
		TokenCacheTTL: time.Minute, AuthFailureRate: 0.001, AuthFailureBurst: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	orig := e.http
	defer orig.Close()
	e.http = hs
	good := e.tok["viewerA"]
	if st := e.get(good, "/api/v1/summary", nil); st != http.StatusOK { // now cached as valid
		t.Fatalf("good token: %d", st)
	}
	counts := map[int]int{}
	before := cs.lookups.Load()
	const tries = 200
	var retryAfter string
	for i := range tries {
		bad := fmt.Sprintf("dmc_%016x_%s", i, strings.Repeat("A", 43))
		req, _ := http.NewRequest(http.MethodGet, e.http.URL+"/api/v1/summary", nil)
		req.Header.Set("Authorization", "Bearer "+bad)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		counts[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests {
			retryAfter = resp.Header.Get("Retry-After")
		}
	}
	if counts[http.StatusUnauthorized] != 20 || counts[http.StatusTooManyRequests] != tries-20 || retryAfter == "" {
		t.Errorf("bad tokens got %v (Retry-After %q), want 20 × 401 then 429", counts, retryAfter)
	}
	if n := cs.lookups.Load() - before; n > 20 {
		t.Errorf("%d token lookups for %d bad tries, want at most 20", n, tries)
	}
	if st := e.get(good, "/api/v1/summary", nil); st != http.StatusOK {
		t.Errorf("a known-good token from the throttled address: %d", st)
	}
	if n := strings.Count(logs.String(), `"status":401`) + strings.Count(logs.String(), `"status":429`); n > 5 {
		t.Errorf("%d log lines for %d failed tries: the log line is not sampled", n, tries)
	}
}

// TestTenantQuota is the attack in which 20 posts added 30 MB in 7 s:
// nothing bounded what a tenant stores. Past its quota a tenant's posts
// get 507 (reason quota) while other tenants' go on, and the metric says
// how much the tenant holds.
func TestTenantQuota(t *testing.T) {
	const quota = 20_000
	e := newEnv(t, func(c *ingestConfig) { c.TenantQuotaBytes = quota; c.RatePerSecond = -1 })
	var created, refused int
	for i := range 100 {
		st, body := e.post(e.tok["agentA"], host(uint64(200+i), "acme").Next(t0))
		switch st {
		case http.StatusAccepted:
			created++
		case http.StatusInsufficientStorage:
			refused++
		default:
			t.Fatalf("post %d: %d %v", i, st, body)
		}
	}
	used, err := e.st.TenantUsage(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if refused == 0 || created == 0 || used < quota || used > quota+10_000 {
		t.Errorf("%d created, %d refused, %d bytes stored for a quota of %d", created, refused, used, quota)
	}
	if st, body := e.post(e.tok["agentB"], host(400, "globex").Next(t0)); st != http.StatusAccepted {
		t.Errorf("another tenant's post: %d %v", st, body)
	}
	resp, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`demarc_tenant_stored_bytes{tenant="acme"}`, fmt.Sprintf(`demarc_ingest_rejects_total{reason="quota"} %d`, refused)} {
		if !strings.Contains(string(b), m) {
			t.Errorf("metrics lack %s", m)
		}
	}
}
