package ingest

import (
	"errors"
	"mime"
	"net/http"

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
	select {
	case s.inflight <- struct{}{}:
		defer func() { <-s.inflight }()
	default:
		reject(http.StatusServiceUnavailable, "busy", "server busy, retry later")
		return
	}
	d, err := DecodeReport(r.Body, r.Header.Get("Content-Encoding"), s.cfg.Limits)
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
