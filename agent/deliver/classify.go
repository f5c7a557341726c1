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
	// ErrAuth means the server refused the credential: the token is
	// unknown or revoked (401), or it lacks the agent role (403
	// forbidden_role, a viewer's token). The report itself was not judged,
	// so it is kept and sent again once the token is fixed; see
	// AboutCredential.
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
	// Code is the server's machine-readable reason (ReasonForbiddenRole,
	// ReasonUnauthenticated, …) when it answered with one, else "".
	Code string
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
	// Code is the server's machine-readable reason ("tenant",
	// "foreign_host", …) when it answered with one, else "".
	Code string
	// Reason is the server's explanation: the "error" (and "message") of
	// its JSON answer, or the start of its body.
	Reason string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("server refused the report: HTTP %d: %s", e.Status, e.Reason)
}

// classify turns a response into a Receipt, a *RetryError or a
// *RejectedError.
func classify(resp *http.Response, body []byte, now time.Time) (Receipt, error) {
	st := resp.StatusCode
	ans := parseAnswer(body)
	switch {
	case st >= 200 && st < 300:
		return Receipt{Status: st, Duplicate: st == http.StatusOK, HostKey: hostKeyIn(body)}, nil
	case st >= 300 && st < 400:
		return Receipt{}, &RetryError{Status: st, Err: fmt.Errorf("%w: HTTP %d redirect to %q: set report.url to the final URL",
			ErrURL, st, clean(resp.Header.Get("Location"), 200))}
	case AboutCredential(st, ans.code):
		return Receipt{}, &RetryError{Status: st, Code: ans.code, Err: fmt.Errorf("%w: HTTP %d: %s", ErrAuth, st, ans.reason)}
	case st == http.StatusNotFound || st == http.StatusMethodNotAllowed:
		return Receipt{}, &RetryError{Status: st, Code: ans.code, Err: fmt.Errorf("%w: HTTP %d: %s", ErrURL, st, ans.reason)}
	case st == http.StatusRequestTimeout || st == http.StatusTooEarly || st == http.StatusTooManyRequests || st >= 500:
		return Receipt{}, &RetryError{
			Status: st,
			Code:   ans.code,
			After:  RetryAfter(resp.Header.Get("Retry-After"), now),
			Err:    fmt.Errorf("%w: HTTP %d: %s", ErrServer, st, ans.reason),
		}
	case st >= 400:
		return Receipt{}, &RejectedError{Status: st, Code: ans.code, Reason: ans.reason}
	default:
		return Receipt{}, &RetryError{Status: st, Err: fmt.Errorf("%w: unexpected HTTP %d", ErrServer, st)}
	}
}

// Machine-readable reasons in the server's error answers that the agent
// acts on.
const (
	// ReasonUnauthenticated: no token, or one the server does not know
	// (or has revoked). HTTP 401.
	ReasonUnauthenticated = "unauthenticated"
	// ReasonForbiddenRole: a valid token whose role may not post reports
	// (a viewer's or an admin's). HTTP 403.
	ReasonForbiddenRole = "forbidden_role"
	// ReasonTenant: the report names another tenant than the token's.
	// HTTP 403, about the report.
	ReasonTenant = "tenant"
	// ReasonForeignHost: the report's host_id belongs to another tenant.
	// HTTP 403, about the report.
	ReasonForeignHost = "foreign_host"
	// ReasonHostRevoked: the host key belongs to a host whose enrollment
	// an admin revoked. HTTP 401: the agent stops delivering.
	ReasonHostRevoked = "host_revoked"
	// ReasonEnrollFirst: a tenant agent token may no longer post reports;
	// the agent must enroll with it. HTTP 403, about the credential.
	ReasonEnrollFirst = "enroll_first"
	// ReasonForbiddenReport: the report names another host or tenant than
	// the host key's. HTTP 403, about the report.
	ReasonForbiddenReport = "forbidden_report"
)

// AboutCredential reports whether a refusal (HTTP status and the server's
// code, "" when it gave none) is about the agent's credential rather than
// about the report: then the report is kept and retried and the agent
// says its token is refused; otherwise a 4xx refusal moves the report to
// rejected/. Every 401 is about the credential; a 403 only when the code
// says the token's role may not post or that it must be traded for a host
// key first ("tenant", "foreign_host" and "forbidden_report" are about
// the report). This is the one place that decides.
func AboutCredential(status int, code string) bool {
	switch status {
	case http.StatusUnauthorized:
		return true
	case http.StatusForbidden:
		return code == ReasonForbiddenRole || code == ReasonEnrollFirst
	}
	return false
}

// hostKeyIn returns the host key in a 2xx answer ({"host_key":"dmh_…"}),
// or "" when it carries none or one that is not a host key.
func hostKeyIn(body []byte) string {
	var a struct {
		HostKey string `json:"host_key"`
	}
	if json.Unmarshal(body, &a) != nil || !ValidHostKey(a.HostKey) {
		return ""
	}
	return a.HostKey
}

// HostKeyPrefix starts every host key.
const HostKeyPrefix = "dmh_"

// ValidHostKey reports whether s can be a host key: the prefix, then at
// most 200 printable ASCII characters that are not space (what a token
// file may hold).
func ValidHostKey(s string) bool {
	rest, ok := strings.CutPrefix(s, HostKeyPrefix)
	if !ok || rest == "" || len(s) > 200 {
		return false
	}
	for _, c := range []byte(rest) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// legacyCodes maps the messages of servers that put only a message in
// "error" (demarc-server up to 0.x's writeError) to the code they stand
// for, so that the agent classifies their answers like those that carry
// the code.
var legacyCodes = map[string]string{
	"missing bearer token":                         ReasonUnauthenticated,
	"invalid or revoked token":                     ReasonUnauthenticated,
	"this token's role may not do this":            ReasonForbiddenRole,
	"report names another tenant than the token's": ReasonTenant,
	"host_id belongs to another tenant":            ReasonForeignHost,
}

// answer is what an error answer says: its code, when it has one, and a
// printable explanation for logs and .reason files.
type answer struct {
	code, reason string
}

// parseAnswer reads a server's error answer: {"error":"<message>",
// "code":"<code>"}, or {"error":"<code>","message":"…"}, or an older
// server's {"error":"<message>"}, or anything else (a proxy's HTML page),
// of which only a printable start is kept.
func parseAnswer(body []byte) answer {
	var e struct {
		Error   string `json:"error"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	reason := ""
	if json.Unmarshal(body, &e) == nil {
		reason = clean(e.Error, 500)
	}
	// An error field that cleans to nothing (" ", control bytes) explains
	// no more than a missing one: fall back to the body itself.
	if reason == "" {
		if s := clean(string(body), 200); s != "" {
			return answer{reason: s}
		}
		return answer{reason: "(no explanation)"}
	}
	a := answer{reason: reason}
	switch {
	case isCode(e.Code):
		a.code = e.Code
	case isCode(e.Error):
		a.code = e.Error
	default:
		a.code = legacyCodes[e.Error]
	}
	if m := clean(e.Message, 500); m != "" {
		a.reason += ": " + m
	}
	return a
}

// isCode reports whether s looks like a machine-readable reason:
// lowercase letters and underscores, at most 64 bytes.
func isCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
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
