package deliver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/demarc/demarc/rules/lifecycle"
)

// ErrNoLifecycle means the server does not serve lifecycle data: it
// answered GET /api/v1/lifecycle with 404 or 405 (a server older than
// the endpoint).
var ErrNoLifecycle = errors.New("server does not serve lifecycle data")

// ErrNotModified means the server's lifecycle data is the one the agent
// has (304 to If-None-Match).
var ErrNotModified = errors.New("lifecycle data not modified")

// LifecycleURL derives the lifecycle endpoint from the report URL, as
// WhoAmIURL does: /api/v1/lifecycle.
func LifecycleURL(reportURL string) (string, error) { return apiURL(reportURL, "lifecycle") }

// FetchLifecycle asks the server for its lifecycle dataset with the bearer
// credential, over the same TLS settings and timeouts as Send. With etag
// set it asks If-None-Match and returns ErrNotModified on 304. It returns
// the JSON (at most lifecycle.MaxDatasetBytes) and its ETag;
// ErrNoLifecycle for a server without the endpoint; an error wrapping
// ErrAuth on 401 or 403; a *RetryError when it could not be asked.
func (c *Client) FetchLifecycle(ctx context.Context, bearer, etag string) ([]byte, string, error) {
	u, err := LifecycleURL(c.url)
	if err != nil {
		return nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if etag != "" {
		req.Header.Set("If-None-Match", `"`+etag+`"`)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		return nil, "", &RetryError{Err: stripURL(err)}
	}
	defer resp.Body.Close()
	st := resp.StatusCode
	switch {
	case st == http.StatusOK:
		b, err := io.ReadAll(io.LimitReader(resp.Body, lifecycle.MaxDatasetBytes+1))
		if err != nil {
			return nil, "", &RetryError{Err: fmt.Errorf("read lifecycle data: %w", err)}
		}
		if len(b) > lifecycle.MaxDatasetBytes {
			return nil, "", fmt.Errorf("lifecycle data over %d bytes", lifecycle.MaxDatasetBytes)
		}
		return b, unquoteETag(resp.Header.Get("ETag")), nil
	case st == http.StatusNotModified:
		return nil, etag, ErrNotModified
	case st == http.StatusNotFound || st == http.StatusMethodNotAllowed:
		return nil, "", fmt.Errorf("%w: HTTP %d", ErrNoLifecycle, st)
	}
	a := parseAnswer(readLimited(resp.Body, maxResponse))
	switch {
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		return nil, "", fmt.Errorf("%w: HTTP %d: %s", ErrAuth, st, a.reason)
	case st == http.StatusRequestTimeout || st == http.StatusTooManyRequests || st >= 500:
		return nil, "", &RetryError{Status: st, Code: a.code, After: RetryAfter(resp.Header.Get("Retry-After"), time.Now()),
			Err: fmt.Errorf("%w: HTTP %d: %s", ErrServer, st, a.reason)}
	}
	return nil, "", fmt.Errorf("lifecycle: HTTP %d: %s", st, a.reason)
}

// unquoteETag is an entity tag's opaque value (W/ and quotes dropped).
func unquoteETag(s string) string {
	if len(s) > 2 && s[:2] == "W/" {
		s = s[2:]
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}
