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

// ErrHostRevoked: a genuine host key of a host an admin revoked. Unlike
// ErrUnauthorized it is told to the client (code host_revoked), so that the
// agent stops delivering and keeps its spool instead of retrying.
var ErrHostRevoked = errors.New("host revoked")

// The prefixes of the credentials (so that secret scanners spot leaks):
// tokens of agents, viewers and admins; a tenant's enroll secrets; host keys.
const (
	tokenPrefix   = "dmc_"
	enrollPrefix  = "dme_"
	hostKeyPrefix = "dmh_"
)

// Roles of the credentials that are not tokens. They are never stored as a
// token's role.
const (
	// RoleHost is a host key's: it posts its own host's reports.
	RoleHost store.Role = "host"
	// RoleEnroll is an enroll secret's: it enrolls hosts into its tenant.
	RoleEnroll store.Role = "enroll"
)

// ValidTenant reports whether s is a usable tenant name: lowercase
// letters, digits, '.', '_' and '-', 1 to 63 bytes (report.TenantPattern).
func ValidTenant(s string) bool { return report.ValidTenant(s) }

// newCredential makes "<prefix><16 hex id>_<43 chars: 256 random bits>"
// and returns it with its id and the SHA-256 of its secret part, which is
// all a store keeps.
func newCredential(prefix string) (full, id string, hash []byte, err error) {
	idb := make([]byte, 8)
	sec := make([]byte, 32)
	if _, err := rand.Read(idb); err != nil {
		return "", "", nil, fmt.Errorf("random credential id: %w", err)
	}
	if _, err := rand.Read(sec); err != nil {
		return "", "", nil, fmt.Errorf("random credential secret: %w", err)
	}
	id = hex.EncodeToString(idb)
	secret := base64.RawURLEncoding.EncodeToString(sec)
	h := sha256.Sum256([]byte(secret))
	return prefix + id + "_" + secret, id, h[:], nil
}

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
	full, id, hash, err := newCredential(tokenPrefix)
	if err != nil {
		return "", store.Token{}, err
	}
	return full, store.Token{ID: id, Tenant: tenant, Role: role, Name: name, Hash: hash, CreatedAt: now.UTC()}, nil
}

// NewEnrollSecret makes an enroll secret of tenant ("dme_…", shown once)
// and the record to store. expires and maxUses may be nil (never, no
// limit).
func NewEnrollSecret(tenant, name string, now time.Time, expires *time.Time, maxUses *int) (string, store.EnrollSecret, error) {
	if !ValidTenant(tenant) {
		return "", store.EnrollSecret{}, fmt.Errorf("tenant %q: must match %s", tenant, report.TenantPattern)
	}
	if maxUses != nil && *maxUses < 1 {
		return "", store.EnrollSecret{}, fmt.Errorf("uses %d: want at least 1", *maxUses)
	}
	if expires != nil && !expires.After(now) {
		return "", store.EnrollSecret{}, errors.New("the expiry is not in the future")
	}
	full, id, hash, err := newCredential(enrollPrefix)
	if err != nil {
		return "", store.EnrollSecret{}, err
	}
	return full, store.EnrollSecret{ID: id, Tenant: tenant, Name: name, Hash: hash, CreatedAt: now.UTC(), ExpiresAt: expires, MaxUses: maxUses}, nil
}

// newHostKey makes a host key ("dmh_…", handed to the agent once).
func newHostKey(now time.Time) (string, store.NewHostKey, error) {
	full, id, hash, err := newCredential(hostKeyPrefix)
	if err != nil {
		return "", store.NewHostKey{}, err
	}
	return full, store.NewHostKey{ID: id, Hash: hash, CreatedAt: now.UTC()}, nil
}

// splitCredential returns the prefix, id and secret of a credential.
func splitCredential(s string) (prefix, id, secret string, ok bool) {
	if len(s) < 4 {
		return "", "", "", false
	}
	prefix = s[:4]
	switch prefix {
	case tokenPrefix, enrollPrefix, hostKeyPrefix:
	default:
		return "", "", "", false
	}
	id, secret, ok = strings.Cut(s[4:], "_")
	if !ok || len(id) != 16 || len(secret) != 43 {
		return "", "", "", false
	}
	return prefix, id, secret, true
}

// Principal is who made a request.
type Principal struct {
	// TokenID is the id of the token, enroll secret or host key.
	TokenID string
	Tenant  string
	Role    store.Role
	// HostID is a host key's host.
	HostID string
	// Key is a host key's record (its state and age decide rotation).
	Key *store.HostKey
}

// limitKey is what the per-credential rate limit and caps count: the
// host for a host key (its keys rotate), else the credential.
func (p Principal) limitKey() string {
	if p.HostID != "" {
		return "host:" + p.HostID
	}
	return p.TokenID
}

// Scope is what the principal may read: its tenant, or every tenant for an
// admin.
func (p Principal) Scope() store.Scope {
	if p.Role == store.RoleAdmin {
		return store.AllTenants()
	}
	return store.TenantScope(p.Tenant)
}

// Authenticator resolves bearer credentials (tokens, enroll secrets, host
// keys), caching their records for a short time so that a busy ingest
// path does not read the database per request. A revocation takes effect
// within the TTL on every replica.
type Authenticator struct {
	store credentialStore
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]cachedCred
}

// cachedCred is what a credential id resolved to: the hash its secret
// must match and what a match grants, or the refusal (err) it gets.
type cachedCred struct {
	hash  []byte
	p     Principal
	err   error
	until time.Time
}

// maxCachedTokens bounds the cache (unknown ids are cached too).
const maxCachedTokens = 100_000

// credentialStore is what an Authenticator reads: tokens, enroll secrets
// and host keys.
type credentialStore interface {
	store.TokenStore
	store.EnrollStore
}

// NewAuthenticator returns an Authenticator over s; ttl 0 disables caching.
func NewAuthenticator(s credentialStore, ttl time.Duration) *Authenticator {
	return &Authenticator{store: s, ttl: ttl, now: time.Now, cache: map[string]cachedCred{}}
}

// Authenticate returns the principal of a credential string, or
// ErrUnauthorized (or ErrHostRevoked for a revoked host's genuine key).
// The secret is compared in constant time.
func (a *Authenticator) Authenticate(ctx context.Context, cred string) (Principal, error) {
	prefix, id, secret, ok := splitCredential(cred)
	if !ok {
		return Principal{}, ErrUnauthorized
	}
	c, err := a.lookup(ctx, prefix, id)
	if err != nil {
		return Principal{}, err
	}
	h := sha256.Sum256([]byte(secret))
	if c.hash == nil || subtle.ConstantTimeCompare(h[:], c.hash) != 1 {
		return Principal{}, ErrUnauthorized
	}
	if c.err != nil {
		return Principal{}, c.err
	}
	return c.p, nil
}

// Known returns the principal of a credential that the cache already
// holds as valid, without reading the store: what a throttled client
// address may still use.
func (a *Authenticator) Known(cred string) (Principal, bool) {
	prefix, id, secret, ok := splitCredential(cred)
	if !ok || a.ttl <= 0 {
		return Principal{}, false
	}
	a.mu.Lock()
	c, ok := a.cache[prefix+id]
	a.mu.Unlock()
	if !ok || c.err != nil || c.hash == nil || !a.now().Before(c.until) {
		return Principal{}, false
	}
	h := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(h[:], c.hash) != 1 {
		return Principal{}, false
	}
	return c.p, true
}

func (a *Authenticator) lookup(ctx context.Context, prefix, id string) (cachedCred, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[prefix+id]
	a.mu.Unlock()
	if ok && now.Before(c.until) {
		return c, nil
	}
	c, err := a.load(ctx, prefix, id, now)
	if err != nil {
		return c, err
	}
	if a.ttl > 0 {
		c.until = now.Add(a.ttl)
		a.mu.Lock()
		if len(a.cache) >= maxCachedTokens {
			clear(a.cache)
		}
		a.cache[prefix+id] = c
		a.mu.Unlock()
	}
	return c, nil
}

// load reads a credential's record; a missing one is a refusal, not an
// error.
func (a *Authenticator) load(ctx context.Context, prefix, id string, now time.Time) (cachedCred, error) {
	refuse := cachedCred{err: ErrUnauthorized}
	switch prefix {
	case tokenPrefix:
		t, err := a.store.Token(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return refuse, nil
		} else if err != nil {
			return cachedCred{}, fmt.Errorf("look up token: %w", err)
		}
		c := cachedCred{hash: t.Hash, p: Principal{TokenID: t.ID, Tenant: t.Tenant, Role: t.Role}}
		if t.RevokedAt != nil {
			c.err = ErrUnauthorized
		}
		return c, nil
	case enrollPrefix:
		e, err := a.store.EnrollSecret(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return refuse, nil
		} else if err != nil {
			return cachedCred{}, fmt.Errorf("look up enroll secret: %w", err)
		}
		c := cachedCred{hash: e.Hash, p: Principal{TokenID: e.ID, Tenant: e.Tenant, Role: RoleEnroll}}
		if e.RevokedAt != nil || (e.ExpiresAt != nil && !now.Before(*e.ExpiresAt)) || (e.MaxUses != nil && e.Uses >= *e.MaxUses) {
			c.err = ErrUnauthorized
		}
		return c, nil
	case hostKeyPrefix:
		k, err := a.store.HostKey(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return refuse, nil
		} else if err != nil {
			return cachedCred{}, fmt.Errorf("look up host key: %w", err)
		}
		c := cachedCred{hash: k.Hash, p: Principal{TokenID: k.ID, Tenant: k.Tenant, Role: RoleHost, HostID: k.HostID, Key: &k}}
		switch {
		case k.HostRevokedAt != nil:
			c.err = ErrHostRevoked
		case k.State == store.KeyRetired:
			c.err = ErrUnauthorized
		}
		return c, nil
	}
	return refuse, nil
}

// Forget drops a credential from the cache (after revoking it in this
// process); id is a token's id.
func (a *Authenticator) Forget(id string) {
	a.forget(tokenPrefix, id)
}

func (a *Authenticator) forget(prefix, id string) {
	a.mu.Lock()
	delete(a.cache, prefix+id)
	a.mu.Unlock()
}

// TokenPrincipal returns the principal of the token with this id if it
// exists and is not revoked, else ErrUnauthorized. It is for web sessions,
// which keep the id of the token they signed in with, never its secret:
// revoking the token ends its sessions within the cache TTL.
func (a *Authenticator) TokenPrincipal(ctx context.Context, tokenID string) (Principal, error) {
	c, err := a.lookup(ctx, tokenPrefix, tokenID)
	if err != nil {
		return Principal{}, err
	}
	if c.err != nil || c.hash == nil {
		return Principal{}, ErrUnauthorized
	}
	return c.p, nil
}
