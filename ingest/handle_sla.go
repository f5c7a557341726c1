package ingest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// slaAnswer is GET /api/v1/sla: the open findings in scope past their SLA
// and due within a week, per party, and the policy in days.
type slaAnswer struct {
	At      time.Time                                      `json:"at"`
	Counts  sla.Fleet                                      `json:"counts"`
	Targets map[report.Responsible]map[report.Severity]int `json:"targets_days"`
}

func (s *Server) slaCounts(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	tenant := q.enum("tenant", ValidTenant)
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	now := s.cfg.Now().UTC()
	c, err := s.slaPolicy().Count(r.Context(), s.store, p.Scope(), tenant, now)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, slaAnswer{At: now, Counts: c, Targets: TargetDays(s.slaPolicy())})
}

// TargetDays is a policy in whole days, per party and severity (only the
// severities with an SLA).
func TargetDays(p sla.Policy) map[report.Responsible]map[report.Severity]int {
	out := map[report.Responsible]map[report.Severity]int{}
	for _, party := range []report.Responsible{report.ResponsibleProvider, report.ResponsibleCustomer} {
		out[party] = map[report.Severity]int{}
		for _, sev := range report.Severities {
			if d, ok := p.Target(party, sev); ok {
				out[party][sev] = int(d / sla.Day)
			}
		}
	}
	return out
}

// ReportMonth reads the month parameter of an SLA report ("" is the
// month under way at now).
func ReportMonth(v string, now time.Time) (time.Time, error) {
	if v == "" {
		n := now.UTC()
		return time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	}
	m, err := sla.ParseMonth(v)
	if err != nil {
		return m, fmt.Errorf("parameter %w: %w", err, store.ErrInvalid)
	}
	return m, nil
}

// slaReport is GET /api/v1/sla/report?month=2026-11&tenant=acme: the
// monthly SLA report of the provider's findings as JSON, or as Markdown
// with format=md.
func (s *Server) slaReport(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	tenant := q.enum("tenant", ValidTenant)
	md := q.enum("format", oneOf("json", "md")) == "md"
	now := s.cfg.Now()
	month, err := ReportMonth(q.v.Get("month"), now)
	if q.err == nil {
		q.err = err
	}
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	m, err := s.slaPolicy().MonthReport(r.Context(), s.store, p.Scope(), tenant, month, now)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	if !md {
		writeJSON(w, http.StatusOK, m)
		return
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(m.Markdown()))
}
