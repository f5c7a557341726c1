package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/demarc/demarc/agent/enroll"
	"github.com/demarc/demarc/ingest/store"
)

// identify reads each agent's enrollment from its state directory — the
// server-assigned host id its ledger is then keyed by, and the keys it
// holds — and asks the running server (GET /api/v1/whoami, directly, not
// through the proxy) who each agent is with the key it would post with
// next: the pending key first and, when that is refused, the current one,
// as the agent does. An agent neither of whose keys is accepted is locked
// out: no rotation may ever do that.
func (f *fleet) identify(ctx context.Context) {
	client := &http.Client{Timeout: 30 * time.Second}
	for _, m := range f.all {
		l := m.ledger()
		st, err := enroll.New(m.state()).Load()
		switch {
		case err != nil:
			f.res.note("%s: state directory: %v", l.host, err)
			continue
		case st.Status != enroll.Enrolled:
			f.res.note("%s: not enrolled after the run (%s)", l.host, st.Status)
			continue
		}
		f.res.Enrolled++
		l.mu.Lock()
		l.hostID, l.keyIDs = st.HostID, []string{keyID(st.Pending), keyID(st.Key)}
		l.mu.Unlock()
		accepted := false
		for _, key := range []string{st.Pending, st.Key} {
			if key == "" {
				continue
			}
			host, status, err := whoami(ctx, client, f.srv.baseURL(), key)
			if err != nil {
				f.res.note("%s: whoami: %v", l.host, err)
				accepted = true // not the agent's fault; counted as a discrepancy already
				break
			}
			if status == http.StatusOK {
				if host != st.HostID {
					f.res.note("%s: its key is host %s's, its state directory says %s", l.host, host, st.HostID)
				}
				accepted = true
				break
			}
			if status != http.StatusUnauthorized {
				f.res.note("%s: whoami answered %d", l.host, status)
				accepted = true
				break
			}
		}
		if !accepted {
			f.res.LockedOut++
			f.res.note("%s (host %s): the server refuses every key it holds (401): locked out", l.host, st.HostID)
		}
	}
}

// keyID is the id part of a host key ("dmh_<id>_<secret>"), "" for none.
func keyID(key string) string {
	rest, ok := strings.CutPrefix(key, "dmh_")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "_")
	return id
}

// whoami asks the server who key is: the status and, on 200, the host.
func whoami(ctx context.Context, c *http.Client, base, key string) (host string, status int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/whoami", nil)
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var who struct {
		HostID string `json:"host_id"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&who); err != nil {
			return "", 0, fmt.Errorf("whoami: %w", err)
		}
	}
	return who.HostID, resp.StatusCode, nil
}

// checkKeys checks in the store that the host has exactly one current
// key and that the agent holds it (as its current or its pending key: a
// post with the pending key the server stored, whose answer was lost,
// made that one current). The store allows at most one current key per
// host (a unique index); HostIdentity's KeyCreatedAt is zero when there
// is none. Called with l.mu held.
func (f *fleet) checkKeys(ctx context.Context, st store.Store, l *ledger) error {
	id, err := st.HostIdentity(ctx, store.AllTenants(), l.hostID)
	if errors.Is(err, store.ErrNotFound) {
		f.res.KeyMismatch++
		f.res.note("%s: host %s has no identity on the server", l.host, l.hostID)
		return nil
	} else if err != nil {
		return fmt.Errorf("host identity %s: %w", l.hostID, err)
	}
	switch {
	case id.Tenant != l.tenant:
		f.res.note("%s: host %s enrolled in tenant %s, its secret was %s's", l.host, l.hostID, id.Tenant, l.tenant)
	case id.RevokedAt != nil:
		f.res.note("%s: host %s revoked", l.host, l.hostID)
	}
	if id.KeyCreatedAt.IsZero() {
		f.res.KeyMismatch++
		f.res.note("%s: host %s has no current key", l.host, l.hostID)
		return nil
	}
	for _, kid := range l.keyIDs {
		if kid == "" {
			continue
		}
		k, err := st.HostKey(ctx, kid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return fmt.Errorf("host key %s: %w", kid, err)
		}
		if k.HostID == l.hostID && k.State == store.KeyCurrent {
			return nil
		}
	}
	f.res.KeyMismatch++
	f.res.note("%s: host %s's current key is none of the keys the agent holds", l.host, l.hostID)
	return nil
}
