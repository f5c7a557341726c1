package ingest

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// slots caps the requests under way per key (a token, a tenant), so that
// one credential's slow or abundant requests cannot hold what another
// tenant's agents need. A zero max means no cap.
type slots struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func newSlots(max int) *slots { return &slots{max: max, n: map[string]int{}} }

// take takes a slot of key, or reports false when key holds max already.
func (s *slots) take(key string) bool {
	if s.max <= 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[key] >= s.max {
		return false
	}
	s.n[key]++
	return true
}

// give returns a slot of key taken with take.
func (s *slots) give(key string) {
	if s.max <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[key] <= 1 {
		delete(s.n, key)
		return
	}
	s.n[key]--
}

// clientAddr is the request's peer address without its port: the key of
// the authentication-failure throttle. Forwarded-for headers are not
// trusted (anyone can send them).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// sampler lets one event through per interval and counts the others, for
// log lines an attacker could otherwise multiply.
type sampler struct {
	every time.Duration
	last  atomic.Int64 // unix nanoseconds of the last event let through
	quiet atomic.Int64 // events held back since
}

// next reports whether to log this event, and how many were held back
// since the last one logged.
func (s *sampler) next(now time.Time) (bool, int64) {
	last := s.last.Load()
	if now.UnixNano()-last < int64(s.every) || !s.last.CompareAndSwap(last, now.UnixNano()) {
		s.quiet.Add(1)
		return false, 0
	}
	return true, s.quiet.Swap(0)
}
