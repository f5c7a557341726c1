package ingest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/demarc/demarc/ingest/export"
	"github.com/demarc/demarc/ingest/store"
)

// Every list of the read API is also an export: ?format=csv or
// ?format=jsonl streams all of the list's rows for the same filters and
// scope (package export), instead of one JSON page. An export takes no
// limit or cursor.

// format reads a list's format parameter ("": one JSON page).
func (q *query) format() export.Format {
	f, exporting, err := export.ParseFormat(q.v.Get("format"))
	if err != nil && q.err == nil {
		q.err = fmt.Errorf("%w: %w", err, store.ErrInvalid)
	}
	if exporting && q.err == nil && (q.v.Has("limit") || q.v.Has("cursor")) {
		q.err = fmt.Errorf("parameters limit and cursor: an export streams every row, drop them: %w", store.ErrInvalid)
	}
	return f
}

// streamed logs an export's failure (the response is cut short: the
// client sees a broken transfer).
func (s *Server) streamed(r *http.Request, what string, err error) {
	if err == nil {
		return
	}
	ev := s.logFor(r).Warn()
	var ab *export.ErrAborted
	if errors.As(err, &ab) {
		ev = s.logFor(r).Error()
	}
	ev.Err(err).Str("export", what).Msg("export cut short")
	if ab != nil {
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) exportHosts(w http.ResponseWriter, r *http.Request, fm export.Format, sc store.Scope, f store.HostFilter) {
	ctx := r.Context()
	err := export.Stream(w, fm, "hosts", s.cfg.Now(), export.HostColumns, func(c string) ([]store.Host, string, error) {
		p, err := s.store.Hosts(ctx, sc, f, store.Page{Limit: store.MaxLimit, Cursor: c})
		return p.Hosts, p.Next, err
	})
	s.streamed(r, "hosts", err)
}

// ExportFindings streams the findings in sc matching f with their SLA
// fields (for the web UI's Download CSV).
func (s *Server) ExportFindings(w http.ResponseWriter, r *http.Request, fm export.Format, sc store.Scope, f store.FindingFilter) {
	ctx := r.Context()
	err := export.Stream(w, fm, "findings", s.cfg.Now(), export.FindingColumns, func(c string) ([]store.Finding, string, error) {
		p, err := s.store.Findings(ctx, sc, f, store.Page{Limit: store.MaxLimit, Cursor: c})
		s.slaPolicy().Annotate(s.cfg.Now(), p.Findings)
		return p.Findings, p.Next, err
	})
	s.streamed(r, "findings", err)
}

// ExportHosts streams the hosts in sc matching f (for the web UI).
func (s *Server) ExportHosts(w http.ResponseWriter, r *http.Request, fm export.Format, sc store.Scope, f store.HostFilter) {
	s.exportHosts(w, r, fm, sc, f)
}

// ExportUpdates streams pending updates: of one host when hostID is set,
// else of the hosts in sc matching f (for the web UI and the API).
func (s *Server) ExportUpdates(w http.ResponseWriter, r *http.Request, fm export.Format, sc store.Scope, hostID string, f store.UpdateFilter) {
	ctx := r.Context()
	err := export.Stream(w, fm, "updates", s.cfg.Now(), export.UpdateColumns, func(c string) ([]store.PendingUpdate, string, error) {
		pg := store.Page{Limit: store.MaxLimit, Cursor: c}
		var p store.UpdatePage
		var err error
		if hostID != "" {
			p, err = s.store.HostUpdates(ctx, sc, hostID, pg)
		} else {
			p, err = s.store.PendingUpdates(ctx, sc, f, pg)
		}
		p.SetAge(s.cfg.Now())
		return p.Updates, p.Next, err
	})
	s.streamed(r, "updates", err)
}

// ExportBacklog streams the groups of the findings in sc matching f (at
// most store.MaxLimit groups, the most severe and widespread first).
func (s *Server) ExportBacklog(w http.ResponseWriter, r *http.Request, fm export.Format, sc store.Scope, f store.FindingFilter) {
	ctx := r.Context()
	err := export.Stream(w, fm, "backlog", s.cfg.Now(), export.GroupColumns, func(string) ([]store.FindingGroup, string, error) {
		gs, err := s.store.FindingGroups(ctx, sc, f, store.MaxLimit)
		return gs, "", err
	})
	s.streamed(r, "backlog", err)
}

// backlog is GET /api/v1/backlog: the open findings matching the
// findings filters grouped by party, severity, kind, layer, product and
// cycle, the most severe and widespread first (at most 500 groups; from
// the fleet aggregates).
func (s *Server) backlog(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	f := s.findingFilter(q)
	f.HostID = q.str("host_id", 256)
	fm := q.format()
	if q.err == nil && (q.v.Has("limit") || q.v.Has("cursor")) {
		q.err = fmt.Errorf("parameters limit and cursor: the backlog is one list of at most %d groups: %w", store.MaxLimit, store.ErrInvalid)
	}
	if q.err == nil && f.ByAge {
		// The groups are counted from the fleet aggregates, which keep no
		// SLA clock: grouping the findings past their SLA would be a pass
		// over all of them.
		q.err = fmt.Errorf("parameter sla: the backlog is not filtered by SLA; list /api/v1/findings?sla= instead: %w", store.ErrInvalid)
	}
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	if fm != "" {
		s.ExportBacklog(w, r, fm, p.Scope(), f)
		return
	}
	gs, err := s.store.FindingGroups(r.Context(), p.Scope(), f, store.MaxLimit)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	open, accepted, err := s.SplitAccepted(r.Context(), p.Scope(), f.Tenant, gs)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": nonNilSlice(open), "accepted": nonNilSlice(accepted)})
}
