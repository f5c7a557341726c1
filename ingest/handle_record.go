package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/recordfile"
)

// RecordsChanged is called after host records changed (an API PUT, a form
// of the web UI), with the bound hosts whose record changed, so that the
// server re-judges them. It must not block for long: re-judge in the
// background. The context outlives the request.
type RecordsChanged func(ctx context.Context, hostIDs []string)

// maxRecordBody bounds a PUT of a host record.
const maxRecordBody = 16 << 10

// StoreRecords is the RecordLookup of a store: Config.Records for a server
// judging with the provider's records kept in st (store.RecordStore.RecordFor).
func StoreRecords(st store.RecordStore) RecordLookup {
	return func(ctx context.Context, tenant, hostID, hostname, machineID string) (HostProfile, bool, error) {
		rec, ok, err := st.RecordFor(ctx, tenant, hostID, hostname, machineID)
		if err != nil || !ok {
			return HostProfile{}, false, err
		}
		return HostProfile{Tier: rec.Tier, MaintenanceAgreement: rec.MaintenanceAgreement,
			CustomerManagedVirtualisation: rec.CustomerManagedVirtualisation}, true, nil
	}
}

// Who names a principal in the audit log of host records: the token's
// name and id ("alice (token 0123456789abcdef)").
func (s *Server) Who(ctx context.Context, p Principal) string {
	who := "token " + p.TokenID
	if t, err := s.store.Token(ctx, p.TokenID); err == nil && t.Name != "" {
		who = t.Name + " (" + who + ")"
	}
	return who
}

// PutRecord stores an admin's record of a host, audit-logged as changed by
// the admin's token, and has the host re-judged (Config.OnRecordsChanged)
// when it changed. rec is normalised by the store; a bad one is a
// *store.RecordError.
func (s *Server) PutRecord(ctx context.Context, p Principal, rec store.HostRecord) (store.HostRecord, []store.RecordChange, error) {
	if p.Role != store.RoleAdmin {
		return store.HostRecord{}, nil, fmt.Errorf("put host record: role %s: %w", p.Role, ErrUnauthorized)
	}
	who := s.Who(ctx, p)
	cs, err := s.store.PutHostRecords(ctx, []store.HostRecord{rec}, who, s.cfg.Now().UTC())
	if err != nil {
		return store.HostRecord{}, nil, err
	}
	if hosts := store.ChangedHosts(cs); len(hosts) > 0 {
		s.log.Info().Strs("host_ids", hosts).Str("by", who).Int("fields", len(cs)).Msg("host record changed")
		if s.cfg.OnRecordsChanged != nil {
			s.cfg.OnRecordsChanged(context.WithoutCancel(ctx), hosts)
		}
	}
	got, err := s.store.HostRecord(ctx, store.AllTenants(), rec.HostID)
	return got, cs, err
}

// recordRoute serves /api/v1/hosts/{host_id}/record: GET for viewers of
// the host's tenant and admins, PUT for admins.
func (s *Server) recordRoute(viewers []store.Role) http.HandlerFunc {
	get, put := s.authed(s.getRecord, viewers...), s.authed(s.putRecord, store.RoleAdmin)
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			get(w, r)
		case http.MethodPut:
			put(w, r)
		default:
			w.Header().Set("Allow", "GET, PUT")
			writeError(w, r, http.StatusMethodNotAllowed, "method", "method not allowed")
		}
	}
}

// getRecord is GET /api/v1/hosts/{host_id}/record.
func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	rec, err := s.store.HostRecord(r.Context(), p.Scope(), r.PathValue("host_id"))
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// recordHistory is GET /api/v1/hosts/{host_id}/record/history.
func (s *Server) recordHistory(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	page := q.page()
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	res, err := s.store.RecordHistory(r.Context(), p.Scope(), r.PathValue("host_id"), page)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// putRecord is PUT /api/v1/hosts/{host_id}/record (admin): the record as a
// JSON object with the keys of an import file; host_id, when given, must be
// the path's, and tenant defaults to the known host's.
func (s *Server) putRecord(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	id := r.PathValue("host_id")
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, r, http.StatusUnsupportedMediaType, "content_type", "Content-Type must be application/json")
		return
	}
	b, ok := readBody(w, r, maxRecordBody)
	if !ok {
		return
	}
	b, err := s.completeRecord(r.Context(), b, id)
	if err != nil {
		s.recordError(w, r, err)
		return
	}
	rec, err := recordfile.ParseJSON(b)
	if err != nil {
		s.recordError(w, r, err)
		return
	}
	got, _, err := s.PutRecord(r.Context(), p, rec)
	if err != nil {
		s.recordError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, got)
}

// completeRecord checks a PUT body's host_id against the path's and fills
// host_id, and tenant from the known host, when they are left out.
func (s *Server) completeRecord(ctx context.Context, b []byte, hostID string) ([]byte, error) {
	if _, err := recordfile.ParseJSON(b); errors.Is(err, recordfile.ErrFormat) {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, fmt.Errorf("not a JSON object: %w", recordfile.ErrFormat)
	}
	if v, ok := m["host_id"]; ok && v != nil && v != hostID {
		return nil, &store.RecordError{Index: -1, Field: "host_id", Msg: "not the host of the path", Err: store.ErrInvalidRecord}
	}
	m["host_id"] = hostID
	if v, ok := m["tenant"]; !ok || v == nil || v == "" {
		if h, err := s.store.HostIdentity(ctx, store.AllTenants(), hostID); err == nil {
			m["tenant"] = h.Tenant
		} else if h, err := s.store.Host(ctx, store.AllTenants(), hostID); err == nil {
			m["tenant"] = h.Tenant
		}
	}
	return json.Marshal(m)
}

// recordError answers a refused or failed put of a record.
func (s *Server) recordError(w http.ResponseWriter, r *http.Request, err error) {
	var re *store.RecordError
	switch {
	case errors.As(err, &re):
		code := "invalid_record"
		switch {
		case errors.Is(err, store.ErrAmbiguous):
			code = "ambiguous"
		case errors.Is(err, store.ErrConflict):
			code = "conflict"
		}
		writeError(w, r, http.StatusUnprocessableEntity, code, re.Reason())
	case errors.Is(err, recordfile.ErrFormat):
		writeError(w, r, http.StatusBadRequest, "malformed", err.Error())
	default:
		s.logFor(r).Error().Err(err).Msg("put host record")
		writeError(w, r, http.StatusServiceUnavailable, "store", "storage unavailable")
	}
}
