package ingest

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters keeps a token bucket per token id. Buckets idle for longer
// than it takes to refill are dropped now and then.
type limiters struct {
	perSecond rate.Limit
	burst     int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	swept   time.Time
}

func newLimiters(perSecond float64, burst int) *limiters {
	if burst < 1 {
		burst = max(1, int(perSecond))
	}
	return &limiters{perSecond: rate.Limit(perSecond), burst: burst, buckets: map[string]*rate.Limiter{}}
}

// allow takes one request from id's bucket; when empty it returns how long
// until a request would be allowed.
func (l *limiters) allow(id string) (time.Duration, bool) {
	if l.perSecond <= 0 {
		return 0, true
	}
	now := time.Now()
	l.mu.Lock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[id]
	if !ok {
		b = rate.NewLimiter(l.perSecond, l.burst)
		l.buckets[id] = b
	}
	l.mu.Unlock()
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, false
	}
	return 0, true
}

// exhausted reports whether id's bucket is empty, without taking from it,
// and how long until it holds a request again.
func (l *limiters) exhausted(id string) (time.Duration, bool) {
	if l.perSecond <= 0 {
		return 0, false
	}
	now := time.Now()
	l.mu.Lock()
	b, ok := l.buckets[id]
	l.mu.Unlock()
	if !ok {
		return 0, false
	}
	if tokens := b.TokensAt(now); tokens < 1 {
		return time.Duration((1 - tokens) / float64(l.perSecond) * float64(time.Second)), true
	}
	return 0, false
}
