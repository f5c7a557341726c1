package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// query reads and checks the query parameters of a read request; the
// first problem is kept in err.
type query struct {
	v   url.Values
	err error
}

func (q *query) str(name string, max int) string {
	s := q.v.Get(name)
	if len(s) > max && q.err == nil {
		q.err = fmt.Errorf("parameter %s: longer than %d bytes: %w", name, max, store.ErrInvalid)
	}
	return s
}

// enum reads a parameter that must satisfy valid when present.
func (q *query) enum(name string, valid func(string) bool) string {
	s := q.v.Get(name)
	if s != "" && !valid(s) && q.err == nil {
		q.err = fmt.Errorf("parameter %s: unknown value %q: %w", name, clip(s), store.ErrInvalid)
	}
	return s
}

func (q *query) page() store.Page {
	p := store.Page{Cursor: q.str("cursor", 1024)}
	if s := q.v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if (err != nil || n < 1) && q.err == nil {
			q.err = fmt.Errorf("parameter limit: want a positive integer: %w", store.ErrInvalid)
		}
		p.Limit = n
	}
	return p.Clamp()
}

func oneOf(vals ...string) func(string) bool {
	return func(s string) bool { return slices.Contains(vals, s) }
}

func validTier(s string) bool        { return report.Tier(s).Valid() }
func validResponsible(s string) bool { return report.Responsible(s).Valid() }
func validSeverity(s string) bool    { return report.Severity(s).Valid() }

func (s *Server) listHosts(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	f := store.HostFilter{
		Tenant:      q.enum("tenant", ValidTenant),
		Tier:        report.Tier(q.enum("tier", validTier)),
		OS:          q.str("os", 128),
		Responsible: report.Responsible(q.enum("responsible", validResponsible)),
		Severity:    report.Severity(q.enum("severity", validSeverity)),
		Search:      q.str("q", 128),
		Sort:        q.enum("sort", oneOf(store.HostSorts...)),
		// Hosts whose last scan could not check everything, and hosts
		// whose agent.yaml claims another tier than they are judged on.
		FailingCollectors: q.enum("failing", oneOf("true", "false")) == "true",
		ClaimDisagrees:    q.enum("claim_disagrees", oneOf("true", "false")) == "true",
	}
	fm := q.format()
	page := q.page()
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	if fm != "" {
		s.exportHosts(w, r, fm, p.Scope(), f)
		return
	}
	res, err := s.store.Hosts(r.Context(), p.Scope(), f, page)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) findingFilter(q *query) store.FindingFilter {
	f := store.FindingFilter{
		Tenant:      q.enum("tenant", ValidTenant),
		Responsible: report.Responsible(q.enum("responsible", validResponsible)),
		Severity:    report.Severity(q.enum("severity", validSeverity)),
		Kind:        report.Kind(q.enum("kind", func(s string) bool { return report.Kind(s).Valid() })),
		Layer:       report.Layer(q.enum("layer", func(s string) bool { return report.Layer(s).Valid() })),
		Product:     q.str("product", 256),
		Tier:        report.Tier(q.enum("tier", validTier)),
		Status:      store.Status(q.enum("status", oneOf("open", "resolved", "any"))),
		Sort:        q.enum("sort", oneOf(store.FindingSorts...)),
	}
	// sla=breached|due: the open findings past their SLA, or due within
	// a week (per party and severity, from the server's policy and clock).
	if st := q.enum("sla", oneOf(sla.Breached, sla.Due)); st != "" {
		if f.Status != "" && f.Status != store.StatusOpen && q.err == nil {
			q.err = fmt.Errorf("parameter sla: only open findings have an SLA clock, not status %s: %w", f.Status, store.ErrInvalid)
		}
		f.ByAge, f.Ages = true, s.slaPolicy().Windows(s.cfg.Now(), st)
	}
	return f
}

func (s *Server) listFindings(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	f := s.findingFilter(q)
	f.HostID = q.str("host_id", report.MaxIDLen)
	fm := q.format()
	page := q.page()
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	if fm != "" {
		s.ExportFindings(w, r, fm, p.Scope(), f)
		return
	}
	res, err := s.store.Findings(r.Context(), p.Scope(), f, page)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	if err := s.Annotate(r.Context(), p.Scope(), res.Findings); err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// hostDetail is GET /api/v1/hosts/{host_id}: the latest state, its open
// findings, recent history, and what the latest report observed.
type hostDetail struct {
	Host         store.Host              `json:"host"`
	Findings     []store.Finding         `json:"findings"`
	FindingsNext string                  `json:"findings_next,omitempty"`
	Reports      []store.ReportMeta      `json:"reports"`
	ReportsNext  string                  `json:"reports_next,omitempty"`
	Components   []report.Component      `json:"components"`
	Updates      *report.Updates         `json:"updates,omitempty"`
	Errors       []report.CollectorError `json:"errors"`
	Notes        []report.Note           `json:"notes,omitempty"`
}

func (s *Server) getHost(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	sc, id, ctx := p.Scope(), r.PathValue("host_id"), r.Context()
	h, err := s.store.Host(ctx, sc, id)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	fs, err := s.store.Findings(ctx, sc, store.FindingFilter{HostID: id, Sort: "severity"}, store.Page{Limit: store.MaxLimit})
	if err != nil {
		s.readError(w, r, err)
		return
	}
	if err := s.Annotate(ctx, sc, fs.Findings); err != nil {
		s.readError(w, r, err)
		return
	}
	reps, err := s.store.Reports(ctx, sc, id, store.Page{Limit: 20})
	if err != nil {
		s.readError(w, r, err)
		return
	}
	d := hostDetail{Host: h, Findings: fs.Findings, FindingsNext: fs.Next, Reports: reps.Reports, ReportsNext: reps.Next,
		Components: []report.Component{}, Errors: []report.CollectorError{}}
	if body, err := s.store.HostReportBody(ctx, sc, h.HostID, h.LatestReportID); err == nil {
		var latest report.Report
		if json.Unmarshal(body, &latest) == nil {
			d.Components, d.Updates, d.Notes = nonNilSlice(latest.Components), latest.Updates, latest.Notes
			d.Errors = nonNilSlice(latest.Errors)
		}
	}
	writeJSON(w, http.StatusOK, d)
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) hostFindings(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	f := s.findingFilter(q)
	f.HostID = r.PathValue("host_id")
	fm := q.format()
	page := q.page()
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	if _, err := s.store.Host(r.Context(), p.Scope(), f.HostID); err != nil {
		s.readError(w, r, err)
		return
	}
	if fm != "" {
		s.ExportFindings(w, r, fm, p.Scope(), f)
		return
	}
	res, err := s.store.Findings(r.Context(), p.Scope(), f, page)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	if err := s.Annotate(r.Context(), p.Scope(), res.Findings); err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// hostPage reads a page of something of the host {host_id}: the caller,
// the host, the page; ok false when it answered already (a bad page, a
// host not in the caller's scope).
func (s *Server) hostPage(w http.ResponseWriter, r *http.Request) (p Principal, id string, page store.Page, ok bool) {
	p, _ = PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	page = q.page()
	id = r.PathValue("host_id")
	if q.err != nil {
		s.readError(w, r, q.err)
		return p, id, page, false
	}
	if _, err := s.store.Host(r.Context(), p.Scope(), id); err != nil {
		s.readError(w, r, err)
		return p, id, page, false
	}
	return p, id, page, true
}

func (s *Server) hostReports(w http.ResponseWriter, r *http.Request) {
	p, id, page, ok := s.hostPage(w, r)
	if !ok {
		return
	}
	res, err := s.store.Reports(r.Context(), p.Scope(), id, page)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// getReport is GET /api/v1/reports/{report_id}: the stored report as it
// was received.
func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	body, err := s.store.ReportBody(r.Context(), p.Scope(), r.PathValue("report_id"))
	if err != nil {
		s.readError(w, r, err)
		return
	}
	// The body was valid JSON when stored; serve it as JSON, never
	// sniffed as HTML.
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	_, _ = bytes.NewReader(body).WriteTo(w)
}

func (s *Server) summary(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	sum, err := s.store.Summary(r.Context(), p.Scope())
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

// trend is GET /api/v1/trend?days=30&points=31: open findings per party at
// evenly spaced instants ending now, or, when they are a whole number of
// days apart, ending at the last UTC midnight (read from the store's
// fleet trend rather than from every finding).
func (s *Server) trend(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	days, points := 30, 31
	for _, prm := range []struct {
		name string
		v    *int
		max  int
	}{{"days", &days, 3660}, {"points", &points, 400}} {
		if v := r.URL.Query().Get(prm.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > prm.max {
				s.readError(w, r, fmt.Errorf("parameter %s: want 1..%d: %w", prm.name, prm.max, store.ErrInvalid))
				return
			}
			*prm.v = n
		}
	}
	end := s.cfg.Now().UTC()
	span := time.Duration(days) * 24 * time.Hour
	if points > 1 && (span/time.Duration(points-1))%(24*time.Hour) == 0 && span%time.Duration(points-1) == 0 {
		end = end.Truncate(24 * time.Hour)
	}
	at := make([]time.Time, points)
	for i := range at {
		if points == 1 {
			at[i] = end
			continue
		}
		at[i] = end.Add(-span + span*time.Duration(i)/time.Duration(points-1))
	}
	res, err := s.store.Trend(r.Context(), p.Scope(), at)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"points": res})
}
