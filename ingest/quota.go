package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// usageStore is a store that knows the bytes each tenant's stored reports
// take; a quota needs one.
type usageStore interface {
	TenantUsage(ctx context.Context, tenant string) (int64, error)
}

// errNoUsage: a quota is configured over a store that cannot measure it.
var errNoUsage = errors.New("ingest: TenantQuotaBytes needs a store that reports tenant usage")

// quota caches each tenant's usage for a few seconds, so that a post
// costs no query; a tenant may pass its quota by a few seconds of posts.
type quota struct {
	store usageStore
	ttl   time.Duration
	mu    sync.Mutex
	seen  map[string]usage
}

type usage struct {
	bytes int64
	at    time.Time
}

// overQuota reports whether tenant's stored reports take its quota or more.
func (s *Server) overQuota(r *http.Request, tenant string) (bool, error) {
	q := s.quota
	now := time.Now()
	q.mu.Lock()
	u, ok := q.seen[tenant]
	stale := !ok || now.Sub(u.at) > q.ttl
	if stale && ok {
		// One post refreshes a stale value; the others meanwhile use it as
		// it is, instead of each asking the store the same question.
		q.seen[tenant] = usage{bytes: u.bytes, at: now}
	}
	q.mu.Unlock()
	if stale {
		n, err := q.store.TenantUsage(r.Context(), tenant)
		if err != nil {
			s.logFor(r).Error().Err(err).Str("tenant", tenant).Msg("read tenant usage")
			return false, fmt.Errorf("tenant usage: %w", err)
		}
		u = usage{bytes: n, at: now}
		q.mu.Lock()
		q.seen[tenant] = u
		q.mu.Unlock()
		s.m.tenantBytes.WithLabelValues(tenant).Set(float64(n))
	}
	return u.bytes >= s.cfg.TenantQuotaBytes, nil
}

// add counts a report just stored against its tenant's cached usage, so
// that this replica sees its own posts at once; other replicas' within
// the cache's ttl.
func (q *quota) add(tenant string, n int64) {
	if q == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if u, ok := q.seen[tenant]; ok {
		u.bytes += n
		q.seen[tenant] = u
	}
}
