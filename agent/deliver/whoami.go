package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/demarc/demarc/config"
)

// Roles that may post reports: a tenant agent token (deprecated) and a
// host key.
const (
	RoleAgent = "agent"
	RoleHost  = "host"
)

// ErrNoWhoAmI means the server does not say which role a token has: it
// answered GET /api/v1/whoami with 404 or 405 (a server older than the
// endpoint), a redirect, or something that is not a whoami answer.
var ErrNoWhoAmI = errors.New("server does not report the token's role")

// Identity is what the server says the token is (GET /api/v1/whoami).
type Identity struct {
	// TokenID is the token's public id (never the token).
	TokenID string `json:"token_id"`
	// Tenant is the customer account the server files this host's
	// reports under.
	Tenant string `json:"tenant"`
	// Role is host (a host key), agent, viewer or admin; host and agent
	// may post reports.
	Role string `json:"role"`
	// HostID is the host a host key belongs to; "" for a token.
	HostID string `json:"host_id"`
}

// WhoAmIURL derives the whoami endpoint from the report URL: the same
// scheme and host, and the path /api/v1/whoami (after whatever prefix
// comes before /api/v1/reports, for a server behind a path-routing proxy).
func WhoAmIURL(reportURL string) (string, error) { return apiURL(reportURL, "whoami") }

// EnrollURL derives the enrollment endpoint from the report URL, as
// WhoAmIURL does: /api/v1/enroll.
func EnrollURL(reportURL string) (string, error) { return apiURL(reportURL, "enroll") }

// apiURL is the endpoint /api/v1/<name> beside the report URL.
func apiURL(reportURL, name string) (string, error) {
	u, err := url.Parse(reportURL)
	if err != nil {
		return "", fmt.Errorf("report url: %w", err)
	}
	prefix, _, _ := strings.Cut(u.Path, "/api/v1/")
	*u = url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimSuffix(prefix, "/") + "/api/v1/" + name}
	return u.String(), nil
}

// WhoAmI asks the server which token, tenant and role the token file's
// token is, over the same TLS settings and timeouts as Send. It returns
// an error wrapping ErrAuth when the server refuses the token (401);
// ErrNoWhoAmI when the server does not say; a *RetryError when it could
// not be asked (network, TLS, timeouts, 408, 429, 5xx); ErrToken when the
// token file cannot be read.
func (c *Client) WhoAmI(ctx context.Context) (Identity, error) {
	token, err := config.ReadToken(c.tokenFile)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrToken, err)
	}
	return c.WhoAmIAs(ctx, token)
}

// WhoAmIAs is WhoAmI with the given bearer credential (a host key).
func (c *Client) WhoAmIAs(ctx context.Context, token string) (Identity, error) {
	u, err := WhoAmIURL(c.url)
	if err != nil {
		return Identity{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Identity{}, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Identity{}, ctx.Err()
		}
		return Identity{}, &RetryError{Err: stripURL(err)}
	}
	defer resp.Body.Close()
	return whoamiAnswer(resp, readLimited(resp.Body, maxResponse))
}

// whoamiAnswer reads the server's answer to GET /api/v1/whoami.
func whoamiAnswer(resp *http.Response, body []byte) (Identity, error) {
	st := resp.StatusCode
	switch {
	case st == http.StatusOK:
		var id Identity
		if json.Unmarshal(body, &id) != nil || id.Role == "" {
			return Identity{}, fmt.Errorf("%w: HTTP 200 is not a whoami answer: %s", ErrNoWhoAmI, parseAnswer(body).reason)
		}
		id.TokenID, id.Tenant, id.Role, id.HostID = clean(id.TokenID, 100), clean(id.Tenant, 100), clean(id.Role, 100), clean(id.HostID, 100)
		return id, nil
	case st == http.StatusUnauthorized:
		return Identity{}, fmt.Errorf("%w: HTTP 401: %s", ErrAuth, parseAnswer(body).reason)
	case st == http.StatusNotFound || st == http.StatusMethodNotAllowed || st >= 300 && st < 400:
		return Identity{}, fmt.Errorf("%w: HTTP %d", ErrNoWhoAmI, st)
	case st == http.StatusRequestTimeout || st == http.StatusTooManyRequests || st >= 500:
		return Identity{}, &RetryError{Status: st, After: RetryAfter(resp.Header.Get("Retry-After"), time.Now()),
			Err: fmt.Errorf("%w: HTTP %d: %s", ErrServer, st, parseAnswer(body).reason)}
	default:
		return Identity{}, fmt.Errorf("whoami: HTTP %d: %s", st, parseAnswer(body).reason)
	}
}
