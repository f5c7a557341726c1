package faultproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// upstream counts the requests it answered.
func upstream(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func start(t *testing.T, up string) *Proxy {
	t.Helper()
	p, err := Listen("127.0.0.1:0", up)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// get posts through the proxy on a fresh connection.
func get(p *Proxy, timeout time.Duration) (string, error) {
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Post("http://"+p.Addr()+"/", "text/plain", strings.NewReader("hello"))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestPassAndUpstreamChange(t *testing.T) {
	t.Parallel()
	a, na := upstream(t)
	b, nb := upstream(t)
	p := start(t, strings.TrimPrefix(a.URL, "http://"))
	if body, err := get(p, 5*time.Second); err != nil || body != "ok" {
		t.Fatalf("pass: %q %v", body, err)
	}
	p.SetUpstream(strings.TrimPrefix(b.URL, "http://"))
	if body, err := get(p, 5*time.Second); err != nil || body != "ok" {
		t.Fatalf("after upstream change: %q %v", body, err)
	}
	if na.Load() != 1 || nb.Load() != 1 {
		t.Fatalf("upstream requests %d, %d; want 1, 1", na.Load(), nb.Load())
	}
}

func TestDropAndUpstreamDown(t *testing.T) {
	t.Parallel()
	a, n := upstream(t)
	p := start(t, strings.TrimPrefix(a.URL, "http://"))
	p.SetMode(Mode{Name: "drop", Drop: 1})
	if _, err := get(p, 5*time.Second); err == nil {
		t.Fatal("dropped connection answered")
	}
	p.SetMode(Mode{})
	p.SetUpstream("127.0.0.1:1") // nothing listens there
	if _, err := get(p, 5*time.Second); err == nil {
		t.Fatal("answer with the upstream down")
	}
	if n.Load() != 0 {
		t.Fatalf("upstream saw %d requests", n.Load())
	}
	if st := p.Stats(); st.Dropped != 1 || st.DialFailed != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBlackholeTimesOut(t *testing.T) {
	t.Parallel()
	a, n := upstream(t)
	p := start(t, strings.TrimPrefix(a.URL, "http://"))
	p.SetMode(Mode{Name: "cut", Blackhole: true})
	t0 := time.Now()
	if _, err := get(p, 300*time.Millisecond); err == nil {
		t.Fatal("blackholed request answered")
	}
	if d := time.Since(t0); d < 250*time.Millisecond {
		t.Fatalf("failed after %s: a blackhole must not answer at all", d)
	}
	if n.Load() != 0 {
		t.Fatalf("upstream saw %d requests", n.Load())
	}
	p.SetMode(Mode{})
	if body, err := get(p, 5*time.Second); err != nil || body != "ok" {
		t.Fatalf("after the blackhole: %q %v", body, err)
	}
}

// TestResetBeforeAnswer: the upstream handles the request but the client
// gets a reset: the case that makes an agent send a report again.
func TestResetBeforeAnswer(t *testing.T) {
	t.Parallel()
	a, n := upstream(t)
	p := start(t, strings.TrimPrefix(a.URL, "http://"))
	p.SetMode(Mode{Name: "reset", Reset: 1})
	failed := 0
	for range 20 {
		if _, err := get(p, 5*time.Second); err != nil {
			failed++
		}
	}
	if failed != 20 {
		t.Fatalf("%d of 20 requests failed; want all", failed)
	}
	if n.Load() == 0 {
		t.Fatal("no reset came after the upstream had the request")
	}
	if st := p.Stats(); st.Reset != 20 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDelay(t *testing.T) {
	t.Parallel()
	a, _ := upstream(t)
	p := start(t, strings.TrimPrefix(a.URL, "http://"))
	p.SetMode(Mode{Name: "slow", Delay: 100 * time.Millisecond})
	t0 := time.Now()
	if body, err := get(p, 5*time.Second); err != nil || body != "ok" {
		t.Fatalf("delayed: %q %v", body, err)
	}
	if d := time.Since(t0); d < 200*time.Millisecond {
		t.Fatalf("answered in %s; want both directions delayed", d)
	}
}
