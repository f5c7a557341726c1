package ingest

import (
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// hostUpdates is GET /api/v1/hosts/{host_id}/updates: the packages pending
// on the host in its latest state, security first, then the longest
// pending, each with its pending_since and pending_days.
func (s *Server) hostUpdates(w http.ResponseWriter, r *http.Request) {
	q := &query{v: r.URL.Query()}
	if fm := q.format(); fm != "" || q.err != nil {
		p, _ := PrincipalFrom(r.Context())
		id := r.PathValue("host_id")
		if q.err == nil {
			_, q.err = s.store.Host(r.Context(), p.Scope(), id)
		}
		if q.err != nil {
			s.readError(w, r, q.err)
			return
		}
		s.ExportUpdates(w, r, fm, p.Scope(), id, store.UpdateFilter{})
		return
	}
	p, id, page, ok := s.hostPage(w, r)
	if !ok {
		return
	}
	res, err := s.store.HostUpdates(r.Context(), p.Scope(), id, page)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	res.SetAge(s.cfg.Now())
	writeJSON(w, http.StatusOK, res)
}

// listUpdates is GET /api/v1/updates?package=openssl: the hosts in scope
// on which a package update is pending, by package, security first, the
// longest pending first.
func (s *Server) listUpdates(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	f := store.UpdateFilter{
		Tenant:       q.enum("tenant", ValidTenant),
		Package:      q.str("package", report.MaxShort),
		SecurityOnly: q.enum("security", oneOf("true", "false")) == "true",
	}
	if !validPackageName(f.Package) && q.err == nil {
		q.err = fmt.Errorf("parameter package: holds a control character or invalid UTF-8: %w", store.ErrInvalid)
	}
	fm := q.format()
	page := q.page()
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	if fm != "" {
		s.ExportUpdates(w, r, fm, p.Scope(), "", f)
		return
	}
	res, err := s.store.PendingUpdates(r.Context(), p.Scope(), f, page)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	res.SetAge(s.cfg.Now())
	writeJSON(w, http.StatusOK, res)
}

// validPackageName accepts the characters a report's package name may
// hold: UTF-8 without control characters.
func validPackageName(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}
