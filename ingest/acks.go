package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// AckPolicy is who may accept a risk besides an admin.
type AckPolicy struct {
	// ViewersMayAcceptCustomer lets a tenant's viewer acknowledge (and
	// withdraw) the customer-owned findings of its own tenant.
	ViewersMayAcceptCustomer bool
}

// maxAckBody bounds a POST of an acknowledgement.
const maxAckBody = 8 << 10

// AckRequest is the body of POST /api/v1/acknowledgements: one finding
// (host_id and finding_id) or a group (product and cycle, within tenant
// unless it is ""; responsible narrows it to one party's findings).
// Expires is a date (2027-03-31: to the end of that day, UTC) or an
// RFC 3339 instant.
type AckRequest struct {
	HostID      string             `json:"host_id"`
	FindingID   string             `json:"finding_id"`
	Product     string             `json:"product"`
	Cycle       string             `json:"cycle"`
	Tenant      string             `json:"tenant"`
	Responsible report.Responsible `json:"responsible"`
	Reason      string             `json:"reason"`
	Expires     string             `json:"expires"`
}

// ErrForbidden is an acknowledgement the principal may not make.
var ErrForbidden = errors.New("forbidden")

// ParseExpiry reads an acknowledgement's expiry: a date is the end of
// that day (UTC), else an RFC 3339 instant.
func ParseExpiry(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, fmt.Errorf("expires: required (a date, 2027-03-31): %w", store.ErrInvalid)
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d.Add(24*time.Hour - time.Microsecond), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("expires %q: want a date (2027-03-31) or an RFC 3339 time: %w", v, store.ErrInvalid)
	}
	return t.UTC(), nil
}

// LiveAcks is the acknowledgements in sc live at the server's clock.
func (s *Server) LiveAcks(ctx context.Context, sc store.Scope) (store.AckSet, error) {
	as, err := s.store.Acks(ctx, sc, s.cfg.Now())
	return store.AckSet(as), err
}

// Annotate sets the SLA fields of fs at the server's clock and the live
// acknowledgement covering each.
func (s *Server) Annotate(ctx context.Context, sc store.Scope, fs []store.Finding) error {
	s.slaPolicy().Annotate(s.cfg.Now(), fs)
	as, err := s.LiveAcks(ctx, sc)
	if err != nil {
		return err
	}
	as.Mark(fs)
	return nil
}

// SplitAccepted separates the groups counted over tenant ("": every
// tenant in sc) that a live group acknowledgement covers from the others.
func (s *Server) SplitAccepted(ctx context.Context, sc store.Scope, tenant string, gs []store.FindingGroup) (open, accepted []store.FindingGroup, err error) {
	as, err := s.LiveAcks(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	if tenant == "" && !sc.All() {
		tenant = sc.Tenant()
	}
	open, accepted = as.Split(gs, tenant)
	return open, accepted, nil
}

// Acknowledge checks and stores an acknowledgement by p: an admin's of
// anything; a viewer's, when the policy allows it, of its own tenant's
// customer-owned findings only (another tenant's host is ErrNotFound, a
// provider finding ErrForbidden). Bad input wraps store.ErrInvalid.
func (s *Server) Acknowledge(ctx context.Context, p Principal, req AckRequest) (store.Ack, error) {
	now := s.cfg.Now().UTC()
	viewer := p.Role != store.RoleAdmin
	if viewer && (p.Role != store.RoleViewer || !s.cfg.Acks.ViewersMayAcceptCustomer) {
		return store.Ack{}, fmt.Errorf("only an admin accepts a risk on this server: %w", ErrForbidden)
	}
	exp, err := ParseExpiry(req.Expires)
	if err != nil {
		return store.Ack{}, err
	}
	a := store.Ack{HostID: req.HostID, FindingID: req.FindingID, Product: strings.TrimSpace(req.Product), Cycle: strings.TrimSpace(req.Cycle),
		Tenant: req.Tenant, Responsible: req.Responsible, Reason: req.Reason, By: s.Who(ctx, p), CreatedAt: now, ExpiresAt: exp}
	if err := a.Check(now); err != nil {
		return a, err
	}
	if a.Responsible != "" && !a.Responsible.Valid() {
		return a, fmt.Errorf("responsible %q: want provider or customer: %w", a.Responsible, store.ErrInvalid)
	}
	sc := p.Scope()
	if !a.Group() {
		if req.Product != "" || req.Cycle != "" || req.Tenant != "" || req.Responsible != "" {
			return a, fmt.Errorf("one finding is named by host_id and finding_id alone (product, cycle, tenant and responsible are a group's): %w", store.ErrInvalid)
		}
		f, err := s.findingOf(ctx, sc, a.HostID, a.FindingID)
		if err != nil {
			return a, err
		}
		a.Tenant, a.Product, a.Cycle, a.Responsible = f.Tenant, f.Product, f.Cycle, f.Responsible
	} else {
		if a.Tenant != "" && !ValidTenant(a.Tenant) {
			return a, fmt.Errorf("tenant %q: not a tenant name: %w", a.Tenant, store.ErrInvalid)
		}
		if viewer {
			if a.Tenant != "" && a.Tenant != p.Tenant {
				return a, fmt.Errorf("tenant %q: a viewer accepts its own tenant's findings only: %w", a.Tenant, ErrForbidden)
			}
			a.Tenant = p.Tenant
			if a.Responsible == "" {
				a.Responsible = report.ResponsibleCustomer
			}
		}
	}
	if viewer && a.Responsible != report.ResponsibleCustomer {
		return a, fmt.Errorf("a %s finding: a viewer accepts customer-owned findings only: %w", a.Responsible, ErrForbidden)
	}
	a.ID = newAckID()
	if err := s.store.CreateAck(ctx, a); err != nil {
		return a, err
	}
	s.log.Info().Str("ack_id", a.ID).Str("by", a.By).Str("target", a.Target()).Time("expires", a.ExpiresAt).Msg("risk accepted")
	return a, nil
}

// MayAccept reports whether p may accept a risk on a finding of party
// (an admin: any; a viewer: a customer finding, when the policy allows).
func (s *Server) MayAccept(p Principal, party report.Responsible) bool {
	if p.Role == store.RoleAdmin {
		return true
	}
	return p.Role == store.RoleViewer && s.cfg.Acks.ViewersMayAcceptCustomer && party == report.ResponsibleCustomer
}

// findingOf is one open finding of a host in sc (ErrNotFound otherwise).
func (s *Server) findingOf(ctx context.Context, sc store.Scope, hostID, findingID string) (store.Finding, error) {
	pg := store.Page{Limit: store.MaxLimit}
	for {
		res, err := s.store.Findings(ctx, sc, store.FindingFilter{HostID: hostID}, pg)
		if err != nil {
			return store.Finding{}, err
		}
		for _, f := range res.Findings {
			if f.ID == findingID {
				return f, nil
			}
		}
		if res.Next == "" {
			return store.Finding{}, fmt.Errorf("open finding %s of host %s: %w", findingID, hostID, store.ErrNotFound)
		}
		pg.Cursor = res.Next
	}
}

// Withdraw withdraws a live acknowledgement in p's scope: an admin's any,
// a viewer's (when the policy allows it) its tenant's customer-owned ones.
func (s *Server) Withdraw(ctx context.Context, p Principal, id string) error {
	sc := p.Scope()
	if p.Role != store.RoleAdmin {
		if p.Role != store.RoleViewer || !s.cfg.Acks.ViewersMayAcceptCustomer {
			return fmt.Errorf("only an admin withdraws an acknowledgement on this server: %w", ErrForbidden)
		}
		as, err := s.store.Acks(ctx, sc, s.cfg.Now())
		if err != nil {
			return err
		}
		found := false
		for _, a := range as {
			if a.ID == id && a.Tenant == p.Tenant {
				if a.Responsible != report.ResponsibleCustomer {
					return fmt.Errorf("acknowledgement %s is of a provider finding: %w", id, ErrForbidden)
				}
				found = true
			}
		}
		if !found {
			return fmt.Errorf("live acknowledgement %s: %w", id, store.ErrNotFound)
		}
	}
	return s.store.WithdrawAck(ctx, sc, id, s.Who(ctx, p), s.cfg.Now().UTC())
}

func newAckID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "ack_" + hex.EncodeToString(b[:])
}

// ackAnswer is an acknowledgement in the API, with its badge and whether
// it applies at the server's clock.
type ackAnswer struct {
	store.Ack
	Live  bool   `json:"live"`
	Badge string `json:"badge"`
}

func (s *Server) ackError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrForbidden) {
		writeError(w, r, http.StatusForbidden, "forbidden", err.Error())
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, r, http.StatusNotFound, "not_found", err.Error())
		return
	}
	s.readError(w, r, err)
}

// postAck is POST /api/v1/acknowledgements.
func (s *Server) postAck(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	b, ok := readBody(w, r, maxAckBody)
	if !ok {
		return
	}
	var req AckRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, r, http.StatusBadRequest, "bad_body", "acknowledgement: "+err.Error())
		return
	}
	a, err := s.Acknowledge(r.Context(), p, req)
	if err != nil {
		s.ackError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ackAnswer{Ack: a, Live: true, Badge: a.Badge()})
}

// listAcks is GET /api/v1/acknowledgements[?state=all]: the live
// acknowledgements in scope (state=all: withdrawn and expired ones too).
func (s *Server) listAcks(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	state := q.enum("state", oneOf("live", "all"))
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	now := s.cfg.Now()
	live := now
	if state == "all" {
		live = time.Time{}
	}
	as, err := s.store.Acks(r.Context(), p.Scope(), live)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	out := make([]ackAnswer, 0, len(as))
	for _, a := range as {
		out = append(out, ackAnswer{Ack: a, Live: a.Live(now), Badge: a.Badge()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"acknowledgements": out})
}

// deleteAck is DELETE /api/v1/acknowledgements/{id}: withdraw it.
func (s *Server) deleteAck(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	if err := s.Withdraw(r.Context(), p, r.PathValue("id")); err != nil {
		s.ackError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ackLog is GET /api/v1/acknowledgements/log: the audit log in scope,
// newest first.
func (s *Server) ackLog(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	page := q.page()
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	es, next, err := s.store.AckLog(r.Context(), p.Scope(), page)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": nonNilSlice(es), "next": next})
}
