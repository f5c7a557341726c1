package deliver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Bounds on a server's Retry-After.
const (
	MinRetryAfter = time.Second
	MaxRetryAfter = time.Hour
)

var (
	// ErrServer means the server could not take the report now: 408, 429
	// or 5xx.
	ErrServer = errors.New("server unavailable")
	// ErrAuth means the server refused the token (401). The report itself
	// was not judged, so it is kept and sent again once the token is fixed.
	ErrAuth = errors.New("token refused")
	// ErrURL means report.url does not point at the report endpoint (a
	// redirect, 404 or 405). The report is kept until the URL is fixed.
	ErrURL = errors.New("report.url is not the report endpoint")
	// ErrToken means the token file could not be read.
	ErrToken = errors.New("token file")
)

// RetryError means the report was not delivered and should be sent again
// later: the server was unreachable, slow, overloaded or misaddressed.
type RetryError struct {
	// Status is the HTTP status, or 0 when there was no answer.
	Status int
	// After is the server's Retry-After within [MinRetryAfter,
	// MaxRetryAfter], or 0 when it gave none.
	After time.Duration
	// Err is the cause.
	Err error
}

func (e *RetryError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *RetryError) Unwrap() error { return e.Err }

// RejectedError means the server refused this report for good: sending
// it again would get the same answer.
type RejectedError struct {
	// Status is the HTTP status (a 4xx).
	Status int
	// Reason is the server's explanation: the "error" of its JSON answer,
	// or the start of its body.
	Reason string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("server refused the report: HTTP %d: %s", e.Status, e.Reason)
}

// classify turns a response into a Receipt, a *RetryError or a
// *RejectedError.
func classify(resp *http.Response, body []byte, now time.Time) (Receipt, error) {
	st := resp.StatusCode
	switch {
	case st >= 200 && st < 300:
		return Receipt{Status: st, Duplicate: st == http.StatusOK}, nil
	case st >= 300 && st < 400:
		return Receipt{}, &RetryError{Status: st, Err: fmt.Errorf("%w: HTTP %d redirect to %q: set report.url to the final URL",
			ErrURL, st, clean(resp.Header.Get("Location"), 200))}
	case st == http.StatusUnauthorized:
		return Receipt{}, &RetryError{Status: st, Err: fmt.Errorf("%w: HTTP 401: %s", ErrAuth, reason(body))}
	case st == http.StatusNotFound || st == http.StatusMethodNotAllowed:
		return Receipt{}, &RetryError{Status: st, Err: fmt.Errorf("%w: HTTP %d: %s", ErrURL, st, reason(body))}
	case st == http.StatusRequestTimeout || st == http.StatusTooEarly || st == http.StatusTooManyRequests || st >= 500:
		return Receipt{}, &RetryError{
			Status: st,
			After:  RetryAfter(resp.Header.Get("Retry-After"), now),
			Err:    fmt.Errorf("%w: HTTP %d: %s", ErrServer, st, reason(body)),
		}
	case st >= 400:
		return Receipt{}, &RejectedError{Status: st, Reason: reason(body)}
	default:
		return Receipt{}, &RetryError{Status: st, Err: fmt.Errorf("%w: unexpected HTTP %d", ErrServer, st)}
	}
}

// RetryAfter parses a Retry-After header (seconds or an HTTP date) and
// bounds it to [MinRetryAfter, MaxRetryAfter]; 0 when absent or invalid.
func RetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		d = time.Duration(min(n, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	} else {
		return 0
	}
	return min(max(d, MinRetryAfter), MaxRetryAfter)
}

// reason extracts the server's explanation from an answer body: the
// "error" field of a JSON object, else the body's start, made printable.
func reason(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return clean(e.Error, 500)
	}
	if s := clean(string(body), 200); s != "" {
		return s
	}
	return "(no explanation)"
}

// clean keeps printable characters, folds white space and caps the length,
// so that a server's answer is safe in one log line.
func clean(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case b.Len() >= n:
			return strings.TrimSpace(b.String()) + "…"
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsPrint(r):
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

func readLimited(r io.Reader, n int64) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, n))
	return b
}
