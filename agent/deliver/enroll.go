package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrNoEnroll means the server has no enrollment endpoint: it answered
// POST /api/v1/enroll with 404 or 405 (a demarc-server older than
// enrollment) or a redirect.
var ErrNoEnroll = errors.New("server does not enroll hosts")

// ErrBadEnrollAnswer means the server's 201 is not an enrollment: no
// host id of 32 hex digits or no host key.
var ErrBadEnrollAnswer = errors.New("not an enrollment answer")

// Facts is what a host tells the server when it enrolls.
type Facts struct {
	// Hostname is the host's name, as in a report's host.hostname.
	Hostname string `json:"hostname"`
	// MachineID identifies the machine: the application-specific hash of
	// /etc/machine-id a report carries as its observed host_id (never
	// the machine id itself, as machine-id(5) asks); "" when unknown.
	MachineID string `json:"machine_id"`
	// ProductUUID is the DMI product UUID; "" when unreadable.
	ProductUUID string `json:"product_uuid"`
	// OS is the os-release ID and VERSION_ID.
	OS FactsOS `json:"os"`
	// AgentVersion is this agent's version.
	AgentVersion string `json:"agent_version"`
}

// FactsOS is the operating system release a host enrolls with.
type FactsOS struct {
	ID        string `json:"id"`
	VersionID string `json:"version_id"`
}

// Enrollment is the server's answer to an enrollment: this host's id,
// its key and its tenant.
type Enrollment struct {
	HostID  string `json:"host_id"`
	HostKey string `json:"host_key"`
	Tenant  string `json:"tenant"`
	// Warning is the server's note for a deprecated credential (a tenant
	// agent token), or "".
	Warning string `json:"warning"`
}

// Enroll trades an enroll secret (or, deprecated, a tenant agent token)
// for a host key: POST /api/v1/enroll beside the report URL, over the
// same TLS settings and timeouts as Send. It returns a *RetryError
// wrapping ErrAuth when the server refuses the secret (401), ErrServer
// when it cannot answer now (network, TLS, 408, 429, 5xx), ErrNoEnroll
// when the server does not enroll hosts, and ErrBadEnrollAnswer for a 201
// that is not an enrollment. The secret is never part of an error.
func (c *Client) Enroll(ctx context.Context, secret string, f Facts) (Enrollment, error) {
	u, err := EnrollURL(c.url)
	if err != nil {
		return Enrollment{}, err
	}
	body, err := json.Marshal(f)
	if err != nil {
		return Enrollment{}, fmt.Errorf("encode enrollment: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return Enrollment{}, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Enrollment{}, ctx.Err()
		}
		return Enrollment{}, &RetryError{Err: stripURL(err)}
	}
	defer resp.Body.Close()
	return enrollAnswer(resp, readLimited(resp.Body, maxResponse), time.Now())
}

// enrollAnswer reads the server's answer to POST /api/v1/enroll.
func enrollAnswer(resp *http.Response, body []byte, now time.Time) (Enrollment, error) {
	st := resp.StatusCode
	ans := parseAnswer(body)
	switch {
	case st == http.StatusCreated || st == http.StatusOK:
		var e Enrollment
		if json.Unmarshal(body, &e) != nil || !ValidHostID(e.HostID) || !ValidHostKey(e.HostKey) {
			return Enrollment{}, fmt.Errorf("%w: HTTP %d", ErrBadEnrollAnswer, st)
		}
		e.Tenant, e.Warning = clean(e.Tenant, 100), clean(e.Warning, 500)
		return e, nil
	case st == http.StatusNotFound || st == http.StatusMethodNotAllowed || st >= 300 && st < 400:
		return Enrollment{}, fmt.Errorf("%w: HTTP %d", ErrNoEnroll, st)
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		return Enrollment{}, &RetryError{Status: st, Code: ans.code, Err: fmt.Errorf("%w: enroll: HTTP %d: %s", ErrAuth, st, ans.reason)}
	case st == http.StatusRequestTimeout || st == http.StatusTooManyRequests || st >= 500:
		return Enrollment{}, &RetryError{Status: st, Code: ans.code, After: RetryAfter(resp.Header.Get("Retry-After"), now),
			Err: fmt.Errorf("%w: enroll: HTTP %d: %s", ErrServer, st, ans.reason)}
	default:
		return Enrollment{}, &RetryError{Status: st, Code: ans.code, Err: fmt.Errorf("enroll: HTTP %d: %s", st, ans.reason)}
	}
}

// ValidHostID reports whether s is a server-assigned host id: 32
// lowercase hex digits.
func ValidHostID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
