package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// ErrUnauthorized: no token, a malformed, unknown or revoked token, or a
// wrong secret. The reason is never told to the client.
var ErrUnauthorized = errors.New("unauthorized")

// tokenPrefix starts every token so that secret scanners can spot leaks.
const tokenPrefix = "dmc_"

// ValidTenant reports whether s is a usable tenant name: lowercase
// letters, digits, '.', '_' and '-', 1 to 63 bytes (report.TenantPattern).
func ValidTenant(s string) bool { return report.ValidTenant(s) }

// NewToken makes a token for tenant and role: the secret to hand out once
// ("dmc_<id>_<secret>", 256 random bits) and the record to store, which
// holds only the SHA-256 of the secret part.
func NewToken(tenant string, role store.Role, name string, now time.Time) (string, store.Token, error) {
	if !ValidTenant(tenant) {
		return "", store.Token{}, fmt.Errorf("tenant %q: must match %s", tenant, report.TenantPattern)
	}
	if !role.Valid() {
		return "", store.Token{}, fmt.Errorf("role %q: must be agent, viewer or admin", role)
	}
	idb := make([]byte, 8)
	sec := make([]byte, 32)
	if _, err := rand.Read(idb); err != nil {
		return "", store.Token{}, fmt.Errorf("random token id: %w", err)
	}
	if _, err := rand.Read(sec); err != nil {
		return "", store.Token{}, fmt.Errorf("random token secret: %w", err)
	}
	id := hex.EncodeToString(idb)
	secret := base64.RawURLEncoding.EncodeToString(sec)
	h := sha256.Sum256([]byte(secret))
	t := store.Token{ID: id, Tenant: tenant, Role: role, Name: name, Hash: h[:], CreatedAt: now.UTC()}
	return tokenPrefix + id + "_" + secret, t, nil
}

// splitToken returns the id and secret of a token string.
func splitToken(s string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(s, tokenPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 16 || len(secret) != 43 {
		return "", "", false
	}
	return id, secret, true
}

// Principal is who made a request.
type Principal struct {
	TokenID string
	Tenant  string
	Role    store.Role
}

// Scope is what the principal may read: its tenant, or every tenant for an
// admin.
func (p Principal) Scope() store.Scope {
	if p.Role == store.RoleAdmin {
		return store.AllTenants()
	}
	return store.TenantScope(p.Tenant)
}

// Authenticator resolves bearer tokens, caching token records for a short
// time so that a busy ingest path does not read the database per request.
// A revocation takes effect within the TTL on every replica.
type Authenticator struct {
	store store.Store
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]cachedToken
}

type cachedToken struct {
	tok     store.Token
	missing bool
	until   time.Time
}

// maxCachedTokens bounds the cache (unknown ids are cached too).
const maxCachedTokens = 100_000

// NewAuthenticator returns an Authenticator over s; ttl 0 disables caching.
func NewAuthenticator(s store.Store, ttl time.Duration) *Authenticator {
	return &Authenticator{store: s, ttl: ttl, now: time.Now, cache: map[string]cachedToken{}}
}

// Authenticate returns the principal of a token string, or
// ErrUnauthorized. The secret is compared in constant time.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (Principal, error) {
	id, secret, ok := splitToken(token)
	if !ok {
		return Principal{}, ErrUnauthorized
	}
	t, found, err := a.lookup(ctx, id)
	if err != nil {
		return Principal{}, err
	}
	h := sha256.Sum256([]byte(secret))
	if !found || subtle.ConstantTimeCompare(h[:], t.Hash) != 1 || t.RevokedAt != nil {
		return Principal{}, ErrUnauthorized
	}
	return Principal{TokenID: t.ID, Tenant: t.Tenant, Role: t.Role}, nil
}

// Known returns the principal of a token string that the cache already
// holds as valid, without reading the store: what a throttled client
// address may still use.
func (a *Authenticator) Known(token string) (Principal, bool) {
	id, secret, ok := splitToken(token)
	if !ok || a.ttl <= 0 {
		return Principal{}, false
	}
	a.mu.Lock()
	c, ok := a.cache[id]
	a.mu.Unlock()
	if !ok || c.missing || !a.now().Before(c.until) || c.tok.RevokedAt != nil {
		return Principal{}, false
	}
	h := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(h[:], c.tok.Hash) != 1 {
		return Principal{}, false
	}
	return Principal{TokenID: c.tok.ID, Tenant: c.tok.Tenant, Role: c.tok.Role}, true
}

func (a *Authenticator) lookup(ctx context.Context, id string) (store.Token, bool, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[id]
	a.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.tok, !c.missing, nil
	}
	t, err := a.store.Token(ctx, id)
	missing := errors.Is(err, store.ErrNotFound)
	if err != nil && !missing {
		return t, false, fmt.Errorf("look up token: %w", err)
	}
	if a.ttl > 0 {
		a.mu.Lock()
		if len(a.cache) >= maxCachedTokens {
			clear(a.cache)
		}
		a.cache[id] = cachedToken{tok: t, missing: missing, until: now.Add(a.ttl)}
		a.mu.Unlock()
	}
	return t, !missing, nil
}

// Forget drops a token from the cache (after revoking it in this process).
func (a *Authenticator) Forget(id string) {
	a.mu.Lock()
	delete(a.cache, id)
	a.mu.Unlock()
}

// TokenPrincipal returns the principal of the token with this id if it
// exists and is not revoked, else ErrUnauthorized. It is for web sessions,
// which keep the id of the token they signed in with, never its secret:
// revoking the token ends its sessions within the cache TTL.
func (a *Authenticator) TokenPrincipal(ctx context.Context, tokenID string) (Principal, error) {
	t, found, err := a.lookup(ctx, tokenID)
	if err != nil {
		return Principal{}, err
	}
	if !found || t.RevokedAt != nil {
		return Principal{}, ErrUnauthorized
	}
	return Principal{TokenID: t.ID, Tenant: t.Tenant, Role: t.Role}, nil
}
