package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest/store"
)

type ctxKey struct{}

// requestInfo travels in a request's context: its id, who made it, and why
// it was refused.
type requestInfo struct {
	id        string
	principal *Principal
	reason    string
}

func infoFrom(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(ctxKey{}).(*requestInfo)
	return i
}

func requestID(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

// PrincipalFrom returns the authenticated principal of a request handled
// behind the server's auth (ok false on an unauthenticated route).
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	if i := infoFrom(ctx); i != nil && i.principal != nil {
		return *i.principal, true
	}
	return Principal{}, false
}

// SetPrincipal records who made a request authenticated other than by a
// bearer token (a web session), so that PrincipalFrom returns it and the
// request's log line names its token and tenant. It does nothing on a
// request the server did not route.
func SetPrincipal(ctx context.Context, p Principal) {
	if i := infoFrom(ctx); i != nil {
		i.principal = &p
	}
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newRequestID accepts a sane X-Request-Id from a proxy, else makes one.
func newRequestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == "" {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// wrap adds to every route: a request id, panic recovery, one log line and
// the request metrics. route is the metrics label (the pattern, never the
// raw path).
func (s *Server) wrap(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: newRequestID(r)}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, info))
		w.Header().Set("X-Request-Id", info.id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error().Str("request_id", info.id).Interface("panic", p).Bytes("stack", debug.Stack()).Msg("handler panicked")
				if sw.status == 0 {
					writeError(sw, r, http.StatusInternalServerError, "panic", "internal error")
				}
			}
			s.logRequest(r, route, sw.status, time.Since(start), info)
		}()
		h.ServeHTTP(sw, r)
	})
}

func (s *Server) logRequest(r *http.Request, route string, status int, d time.Duration, info *requestInfo) {
	if status == 0 {
		status = http.StatusOK
	}
	s.m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	s.m.latency.WithLabelValues(route).Observe(d.Seconds())
	var held int64
	if status == http.StatusUnauthorized || info.reason == "auth_throttled" {
		// Anyone can send these by the thousand: log a sample.
		ok, n := s.authLog.next(time.Now())
		if !ok {
			return
		}
		held = n
	}
	lvl := zerolog.DebugLevel
	switch {
	case status >= 500:
		lvl = zerolog.WarnLevel
	case status >= 400:
		lvl = zerolog.InfoLevel
	}
	e := s.log.WithLevel(lvl)
	if !e.Enabled() {
		return
	}
	e = e.Str("request_id", info.id).Str("method", r.Method).Str("route", route).Int("status", status).
		Float64("duration_ms", float64(d.Microseconds())/1000).Str("remote", r.RemoteAddr)
	if p := info.principal; p != nil {
		e = e.Str("token_id", p.TokenID).Str("tenant", p.Tenant)
	}
	if info.reason != "" {
		e = e.Str("reason", info.reason)
	}
	if held > 0 {
		e = e.Int64("similar_not_logged", held)
	}
	e.Msg("request")
}

// logFor returns the server logger carrying the request's id.
func (s *Server) logFor(r *http.Request) *zerolog.Logger {
	l := s.log.With().Str("request_id", requestID(r.Context())).Logger()
	return &l
}

// authed requires a bearer token of one of roles, then applies the
// token's rate limit and its and its tenant's caps on requests under way.
// Failed authentications are throttled per client address before any
// lookup. The token is never logged; only its id is.
func (s *Server) authed(h http.HandlerFunc, roles ...store.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		addr := clientAddr(r)
		if !ok {
			s.authFailed(w, r, addr, "")
			return
		}
		p, err := s.authenticate(r, tok, addr)
		switch {
		case errors.Is(err, errThrottled):
			s.m.authFailures.WithLabelValues("throttled").Inc()
			wait, _ := s.failures.exhausted(addr)
			retryAfter(w, wait.Seconds())
			writeError(w, r, http.StatusTooManyRequests, "auth_throttled", "too many failed authentications from this address")
			return
		case errors.Is(err, ErrUnauthorized):
			s.authFailed(w, r, addr, errBadCredential)
			return
		case errors.Is(err, ErrHostRevoked):
			// A genuine key: told plainly, so that the agent stops and
			// keeps its reports; no failure budget is spent.
			s.m.authFailures.WithLabelValues("host_revoked").Inc()
			w.Header().Set("WWW-Authenticate", `Bearer realm="demarc", error="invalid_token"`)
			writeError(w, r, http.StatusUnauthorized, "host_revoked", "this host's enrollment was revoked by an admin; enroll it again with a new enroll secret")
			return
		case err != nil:
			s.logFor(r).Error().Err(err).Msg("token lookup failed")
			writeError(w, r, http.StatusServiceUnavailable, "store", "storage unavailable")
			return
		}
		infoFrom(r.Context()).principal = &p
		allowed := false
		for _, role := range roles {
			allowed = allowed || p.Role == role
		}
		if !allowed {
			writeError(w, r, http.StatusForbidden, "forbidden_role", "this token's role may not do this")
			return
		}
		lk := p.limitKey()
		if wait, ok := s.limits.allow(lk); !ok {
			retryAfter(w, wait.Seconds())
			writeError(w, r, http.StatusTooManyRequests, "rate_limited", "rate limit exceeded for this token")
			return
		}
		if !s.perToken.take(lk) {
			writeError(w, r, http.StatusTooManyRequests, "concurrency", "too many requests under way for this token")
			return
		}
		defer s.perToken.give(lk)
		if !s.perTen.take(p.Tenant) {
			writeError(w, r, http.StatusTooManyRequests, "concurrency", "too many requests under way for this tenant")
			return
		}
		defer s.perTen.give(p.Tenant)
		h(w, r)
	}
}

// errThrottled: the client address has failed authentication too often.
var errThrottled = errors.New("authentication throttled")

// authenticate resolves a token. A client address past its failure budget
// may use only a token the cache already knows valid: a guessing client
// costs no lookup, while good agents behind the same address go on.
func (s *Server) authenticate(r *http.Request, tok, addr string) (Principal, error) {
	if _, throttled := s.failures.exhausted(addr); throttled {
		if p, ok := s.auth.Known(tok); ok {
			return p, nil
		}
		return Principal{}, errThrottled
	}
	return s.auth.Authenticate(r.Context(), tok)
}

// authFailed answers 401 and spends one of the address's failure budget;
// msg "" means no token was sent.
func (s *Server) authFailed(w http.ResponseWriter, r *http.Request, addr, msg string) {
	s.failures.allow(addr)
	s.m.authFailures.WithLabelValues("invalid").Inc()
	if msg == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="demarc"`)
		writeError(w, r, http.StatusUnauthorized, "unauthenticated", "missing bearer token")
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="demarc", error="invalid_token"`)
	writeError(w, r, http.StatusUnauthorized, "unauthenticated", msg)
}

// bearer extracts the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// only answers other methods with a JSON 405.
func only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", method)
			writeError(w, r, http.StatusMethodNotAllowed, "method", "method not allowed")
			return
		}
		h(w, r)
	}
}
