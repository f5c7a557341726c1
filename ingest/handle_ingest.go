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
	// HostKey is the host's next key, when the server rotates it: the
	// agent uses it from its next post on, which retires the old one.
	HostKey string `json:"host_key,omitempty"`
}

// errForbiddenReport is the one answer to a body that names another host
// or tenant than its credential's, whether or not that host exists.
const errForbiddenReport = "this credential may not post this report"

// postReport is POST /api/v1/reports: decode, validate, group-commit, and
// answer only once the report is durable.
func (s *Server) postReport(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	reject := func(status int, reason, msg string) {
		s.m.rejects.WithLabelValues(reason).Inc()
		writeError(w, r, status, reason, msg)
	}
	if p.Role == store.RoleAgent && !s.cfg.AgentTokenReports {
		reject(http.StatusForbidden, "enroll_first", "a tenant's agent token only enrolls hosts now: enroll with it (POST /api/v1/enroll) and post with the host key")
		return
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
	// Who the report is about comes from the credential: a body that
	// names another host or tenant moves nothing, and learns nothing.
	if t := d.Report.Profile.Tenant; t != "" && t != p.Tenant {
		reject(http.StatusForbidden, "forbidden_report", errForbiddenReport)
		return
	}
	if p.Role == RoleHost && d.Report.Host.HostID != p.HostID {
		reject(http.StatusForbidden, "forbidden_report", errForbiddenReport)
		return
	}
	// The server judges: the report's observations, the provider's
	// record of the host, the server's own rules and data. The body as
	// received (the host's claim) is stored beside the verdict.
	j, err := s.judge(r.Context(), p.Tenant, d.Report, d.Report.ScannedAt)
	if err != nil {
		s.logFor(r).Error().Err(err).Str("report_id", d.Report.ReportID).Msg("judge report")
		reject(http.StatusServiceUnavailable, "store", "report not stored, retry later")
		return
	}
	// What the store derives from the verdict (summary, fingerprints,
	// evidence JSON) is computed here, on the request's goroutine: the
	// committer's transaction then does only storage work.
	derived, err := store.Derive(j.Report)
	if err != nil {
		s.logFor(r).Error().Err(err).Str("report_id", d.Report.ReportID).Msg("derive report")
		reject(http.StatusServiceUnavailable, "store", "report not stored, retry later")
		return
	}
	now := s.cfg.Now().UTC()
	in := store.Incoming{
		Tenant: p.Tenant, Report: j.Report, Gzip: d.Gzip, SHA256: d.SHA256, ReceivedAt: now,
		Legacy: p.Role == store.RoleAgent, Claimed: d.Report.Profile, Derived: derived,
	}
	var nextKey string
	if p.Role == RoleHost {
		in.KeyID = p.TokenID
		if s.rotateDue(p, now) {
			var key store.NewHostKey
			if nextKey, key, err = newHostKey(now); err != nil {
				reject(http.StatusServiceUnavailable, "store", "report not stored, retry later")
				return
			}
			in.IssueKey = &key
		}
	}
	out, err := s.commit.submit(r.Context(), in)
	if err == nil && out.Result == store.Created {
		s.wakeWebhooks() // the findings it opened are in the outbox
	}
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
	if p.Role == RoleHost && (out.KeyIssued || p.Key.State == store.KeyPending) {
		// Its state changed (a pending key promoted, a current one about to
		// be replaced): read it again next time. Other posts keep the cached
		// record; the store refuses a key that was retired meanwhile.
		s.auth.forget(hostKeyPrefix, p.TokenID)
	}
	if !out.KeyIssued {
		nextKey = "" // the store did not keep it (a refusal, a conflict)
	} else if nextKey != "" {
		s.m.keysIssued.Inc()
	}
	s.answer(w, r, out, d.Report.ReportID, nextKey, reject)
}

// rotateDue reports whether a post made with a host's current key should
// bring the host a new key: an admin asked for it, or the key is older
// than KeyRotation.
func (s *Server) rotateDue(p Principal, now time.Time) bool {
	k := p.Key
	if k == nil || k.State != store.KeyCurrent {
		return false // a pending key is being confirmed by this very post
	}
	return k.RotateRequested || (s.cfg.KeyRotation > 0 && now.Sub(k.CreatedAt) >= s.cfg.KeyRotation)
}

// answer writes the response for a stored (or refused) report.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, out store.Outcome, id, nextKey string, reject func(int, string, string)) {
	switch out.Result {
	case store.Created:
		s.m.reports.WithLabelValues("created").Inc()
		writeJSON(w, http.StatusAccepted, ingestResponse{ReportID: id, Status: "created", HostKey: nextKey})
	case store.Duplicate:
		s.m.reports.WithLabelValues("duplicate").Inc()
		writeJSON(w, http.StatusOK, ingestResponse{ReportID: id, Status: "duplicate", HostKey: nextKey})
	case store.Conflict:
		reject(http.StatusConflict, "conflict", "report_id already stored with a different body")
	case store.Forbidden:
		reject(http.StatusForbidden, "forbidden_report", errForbiddenReport)
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
