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

// listUpdates is GET /api/v1/updates?package=openssl (or
// ?advisory=RHSA-2024:1234, ?cve=CVE-2024-0727): the hosts in scope on
// which a package update is pending, by package, security first, the
// longest pending first (with an advisory or CVE: by host).
func (s *Server) listUpdates(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	f := store.UpdateFilter{
		Tenant:       q.enum("tenant", ValidTenant),
		Package:      q.str("package", report.MaxShort),
		Ref:          updateRef(q),
		SecurityOnly: q.enum("security", oneOf("true", "false")) == "true",
	}
	if !ValidPackageName(f.Package) && q.err == nil {
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

// updateRef reads the advisory or CVE id of a pending updates query:
// advisory= or cve= (not both), an id of the characters advisory ids use.
// A CVE id is compared in upper case, as updateinfo writes it.
func updateRef(q *query) string {
	adv, cve := q.str("advisory", 128), q.str("cve", 64)
	switch {
	case q.err != nil:
		return ""
	case adv != "" && cve != "":
		q.err = fmt.Errorf("parameters advisory and cve: give one: %w", store.ErrInvalid)
		return ""
	case cve != "":
		id, ok := CVEID(cve)
		if !ok {
			q.err = fmt.Errorf("parameter cve: %q is not a CVE id (CVE-2024-0727): %w", cve, store.ErrInvalid)
			return ""
		}
		return id
	case adv != "" && !ValidAdvisoryID(adv):
		q.err = fmt.Errorf("parameter advisory: holds characters no advisory id has: %w", store.ErrInvalid)
		return ""
	}
	return adv
}

// ValidAdvisoryID accepts the characters of advisory ids: RHSA-2024:1234,
// ALSA-2024:1234, openSUSE-SU-2024:0123-1,
// SUSE-SLE-Module-Basesystem-15-SP5-2024-1234.
func ValidAdvisoryID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_:.+", c)) {
			return false
		}
	}
	return true
}

// CVEID returns s as a CVE id in upper case, as updateinfo writes it
// (CVE-YYYY-NNNN, four or more digits), and whether it is one.
func CVEID(s string) (string, bool) {
	s = strings.ToUpper(s)
	year, num, ok := strings.Cut(strings.TrimPrefix(s, "CVE-"), "-")
	return s, ok && strings.HasPrefix(s, "CVE-") && len(year) == 4 && allDigits(year) && len(num) >= 4 && len(num) <= 19 && allDigits(num)
}

func allDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(c rune) bool { return c < '0' || c > '9' }) < 0
}

// listPackages is GET /api/v1/updates/packages: the package names pending
// on hosts in scope, ranked (sort=security, the default: by hosts with a
// security update; hosts; oldest; name), with prefix, security=true and
// tenant (admin).
func (s *Server) listPackages(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	f := store.PackageFilter{
		Tenant:       q.enum("tenant", ValidTenant),
		Prefix:       q.str("prefix", report.MaxShort),
		SecurityOnly: q.enum("security", oneOf("true", "false")) == "true",
		Sort:         q.enum("sort", oneOf(store.PackageSorts...)),
	}
	if !ValidPackageName(f.Prefix) && q.err == nil {
		q.err = fmt.Errorf("parameter prefix: holds a control character or invalid UTF-8: %w", store.ErrInvalid)
	}
	page := q.page()
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	res, err := s.store.PendingPackages(r.Context(), p.Scope(), f, page)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	res.SetAge(s.cfg.Now())
	writeJSON(w, http.StatusOK, res)
}

// ValidPackageName accepts the characters a report's package name may
// hold: UTF-8 without control characters.
func ValidPackageName(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}
