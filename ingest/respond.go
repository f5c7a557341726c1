package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/demarc/demarc/ingest/store"
)

// apiError is the body of every error response: {"error": "<message>",
// "code": "<reason>"}; the code is machine-readable and stable (the
// reasons of demarc_ingest_rejects_total and of the request log).
type apiError struct {
	Error     string `json:"error"`
	Code      string `json:"code,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// writeJSON writes v with status. Go's encoder escapes <, > and &, so a
// stored string cannot become markup in a browser that renders the JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

// writeError writes {"error": msg} with status and records the reason on
// the request for logs and metrics.
func writeError(w http.ResponseWriter, r *http.Request, status int, reason, msg string) {
	if info := infoFrom(r.Context()); info != nil {
		info.reason = reason
	}
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		// A refused request's body may be unread, or arriving slowly: close
		// the connection rather than let net/http read on to keep it.
		w.Header().Set("Connection", "close")
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "1")
		}
	}
	writeJSON(w, status, apiError{Error: msg, Code: reason, RequestID: requestID(r.Context())})
}

// decodeStatus maps an ingest error to a status, a metrics reason and a
// message safe to show the client.
func decodeStatus(err error) (int, string, string) {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, "invalid", "invalid report: " + ve.Error()
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large", err.Error()
	case errors.Is(err, ErrUnsupportedEncoding):
		return http.StatusUnsupportedMediaType, "encoding", err.Error()
	case errors.Is(err, ErrEncoding):
		return http.StatusBadRequest, "bad_gzip", err.Error()
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest, "malformed", err.Error()
	}
	return http.StatusBadRequest, "read_error", "cannot read the request body"
}

// readError answers a failed read query.
func (s *Server) readError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, r, http.StatusNotFound, "not_found", "not found")
	case errors.Is(err, store.ErrInvalid):
		writeError(w, r, http.StatusBadRequest, "bad_query", err.Error())
	default:
		s.logFor(r).Error().Err(err).Msg("read query failed")
		writeError(w, r, http.StatusServiceUnavailable, "store", "storage unavailable")
	}
}

// retryAfter sets Retry-After in whole seconds (at least 1).
func retryAfter(w http.ResponseWriter, secs float64) {
	n := int(secs + 0.999)
	if n < 1 {
		n = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(n))
}

// readBody reads a request body of at most limit bytes; on a read error
// or a larger body it has answered 400 or 413 and ok is false.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (b []byte, ok bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "read_error", "cannot read the request body")
		return nil, false
	}
	if int64(len(b)) > limit {
		writeError(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body over %d bytes", limit))
		return nil, false
	}
	return b, true
}
