package ingest

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/demarc/demarc/ingest/store"
)

// ingestResponse is the body of a 2xx answer to a report post.
type ingestResponse struct {
	ReportID string `json:"report_id"`
	Status   string `json:"status"`
}

// postReport is POST /api/v1/reports: decode, validate, group-commit, and
// answer only once the report is durable.
func (s *Server) postReport(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	reject := func(status int, reason, msg string) {
		s.m.rejects.WithLabelValues(reason).Inc()
		writeError(w, r, status, reason, msg)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		reject(http.StatusUnsupportedMediaType, "content_type", "Content-Type must be application/json")
		return
	}
	if r.ContentLength > s.cfg.Limits.MaxBodyBytes {
		reject(http.StatusRequestEntityTooLarge, "too_large", "report too large")
		return
	}
	// The whole body arrives, under a deadline, before the report takes a
	// slot of the pipeline: a slow sender holds only its own token's and
	// tenant's slots (see authed), never the server's.
	raw, err := s.readBody(w, r)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			reject(http.StatusRequestTimeout, "body_timeout", "the report's body did not arrive in time")
			return
		}
		status, reason, msg := decodeStatus(err)
		reject(status, reason, msg)
		return
	}
	if s.cfg.TenantQuotaBytes > 0 {
		if over, err := s.overQuota(r, p.Tenant); err != nil {
			reject(http.StatusServiceUnavailable, "store", "storage unavailable, retry later")
			return
		} else if over {
			w.Header().Set("Retry-After", "3600")
			reject(http.StatusInsufficientStorage, "quota", "this tenant's storage quota is used up; retention frees room, or ask the provider to raise it")
			return
		}
	}
	select {
	case s.inflight <- struct{}{}:
		defer func() { <-s.inflight }()
	default:
		reject(http.StatusServiceUnavailable, "busy", "server busy, retry later")
		return
	}
	d, err := DecodeBody(raw, r.Header.Get("Content-Encoding"), s.cfg.Limits)
	if err != nil {
		status, reason, msg := decodeStatus(err)
		reject(status, reason, msg)
		return
	}
	if t := d.Report.Profile.Tenant; t != "" && t != p.Tenant {
		reject(http.StatusForbidden, "tenant", "report names another tenant than the token's")
		return
	}
	out, err := s.commit.submit(r.Context(), store.Incoming{
		Tenant: p.Tenant, Report: d.Report, Gzip: d.Gzip, SHA256: d.SHA256, ReceivedAt: s.cfg.Now().UTC(),
	})
	switch {
	case errors.Is(err, ErrBusy):
		reject(http.StatusServiceUnavailable, "busy", "server busy, retry later")
		return
	case errors.Is(err, ErrShuttingDown):
		w.Header().Set("Retry-After", "5")
		reject(http.StatusServiceUnavailable, "stopping", "server shutting down, retry later")
		return
	case err != nil && r.Context().Err() != nil:
		// The client hung up (a timeout, a cut network) while its report
		// waited for the commit: not a storage failure. The report may
		// still be committed; the client's retry then gets 200.
		s.logFor(r).Info().Str("report_id", d.Report.ReportID).Msg("client went away before its report's commit")
		reject(http.StatusServiceUnavailable, "client_gone", "client went away")
		return
	case err != nil:
		s.logFor(r).Error().Err(err).Str("report_id", d.Report.ReportID).Msg("store report")
		reject(http.StatusServiceUnavailable, "store", "report not stored, retry later")
		return
	}
	if out.Result == store.Created {
		s.quota.add(p.Tenant, int64(len(d.Gzip)))
	}
	s.answer(w, r, out, d.Report.ReportID, reject)
}

// answer writes the response for a stored (or refused) report.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, out store.Outcome, id string, reject func(int, string, string)) {
	switch out.Result {
	case store.Created:
		s.m.reports.WithLabelValues("created").Inc()
		writeJSON(w, http.StatusAccepted, ingestResponse{ReportID: id, Status: "created"})
	case store.Duplicate:
		s.m.reports.WithLabelValues("duplicate").Inc()
		writeJSON(w, http.StatusOK, ingestResponse{ReportID: id, Status: "duplicate"})
	case store.Conflict:
		reject(http.StatusConflict, "conflict", "report_id already stored with a different body")
	case store.Forbidden:
		reject(http.StatusForbidden, "foreign_host", "host_id belongs to another tenant")
	default:
		reject(http.StatusInternalServerError, "internal", "internal error")
	}
}

// readBody reads the request's body within BodyTimeout of now.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	// Not every ResponseWriter supports deadlines (a test recorder): then
	// the http.Server's own ReadTimeout is the bound.
	deadline := rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout)) == nil
	raw, err := ReadBody(r.Body, s.cfg.Limits)
	if err != nil {
		return nil, fmt.Errorf("read report body: %w", err)
	}
	if deadline {
		_ = rc.SetReadDeadline(time.Time{})
	}
	return raw, nil
}
