package ingest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// maxEnrollBody bounds an enrollment request's body.
const maxEnrollBody = 16 << 10

// EnrollRequest is the body of POST /api/v1/enroll: what the host says
// of itself. It is kept as observed facts; none of it decides the tenant
// (the enroll secret does) or the host id (the server assigns it).
type EnrollRequest struct {
	Hostname     string   `json:"hostname"`
	MachineID    string   `json:"machine_id"`
	ProductUUID  string   `json:"product_uuid"`
	OS           EnrollOS `json:"os"`
	AgentVersion string   `json:"agent_version"`
}

// EnrollOS is the host's os-release identity.
type EnrollOS struct {
	ID        string `json:"id"`
	VersionID string `json:"version_id"`
}

// EnrollResponse is the body of a 201 answer to an enrollment.
type EnrollResponse struct {
	// HostID is the id the server assigned; reports carry it.
	HostID string `json:"host_id"`
	// HostKey authenticates the host's reports; it is shown only here.
	HostKey string `json:"host_key"`
	Tenant  string `json:"tenant"`
	// Warning says the credential used is deprecated.
	Warning string `json:"warning,omitempty"`
}

// errBadCredential is the one answer to every credential that does not
// authenticate, whatever the reason.
const errBadCredential = "invalid, expired, used-up or revoked credential"

// enroll is POST /api/v1/enroll: an enroll secret (or, for one release, a
// tenant's agent token) is traded for a server-assigned host id and a key
// bound to it.
func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, r, http.StatusUnsupportedMediaType, "content_type", "Content-Type must be application/json")
		return
	}
	req, err := readEnrollRequest(r.Body)
	if err != nil {
		var ve *report.ValidationError
		if errors.As(err, &ve) {
			writeError(w, r, http.StatusUnprocessableEntity, "invalid", "invalid enrollment: "+ve.Error())
			return
		}
		writeError(w, r, http.StatusBadRequest, "malformed", err.Error())
		return
	}
	now := s.cfg.Now().UTC()
	key, nk, err := newHostKey(now)
	if err != nil {
		writeError(w, r, http.StatusServiceUnavailable, "store", "enrollment failed, retry later")
		return
	}
	hostID, err := newHostID()
	if err != nil {
		writeError(w, r, http.StatusServiceUnavailable, "store", "enrollment failed, retry later")
		return
	}
	e := store.Enrollment{
		Identity: store.HostIdentity{
			HostID: hostID, Tenant: p.Tenant, Hostname: req.Hostname, MachineID: req.MachineID,
			ProductUUID: req.ProductUUID, OSID: req.OS.ID, OSVersionID: req.OS.VersionID,
			EnrolledAt: now, EnrolledWith: p.TokenID,
		},
		Key: nk,
	}
	resp := EnrollResponse{HostID: hostID, HostKey: key, Tenant: p.Tenant}
	credential := "enroll_secret"
	if p.Role == store.RoleAgent {
		e.TokenID = p.TokenID
		credential = "agent_token"
		resp.Warning = "enrolling with a tenant's agent token is deprecated: create an enroll secret (demarc-server enroll-secret create) for new hosts"
	} else {
		e.SecretID = p.TokenID
	}
	switch err := s.store.Enroll(r.Context(), e); {
	case errors.Is(err, store.ErrNotFound):
		// Used up or revoked since the lookup: the same answer as any bad
		// secret, and it spends the address's failure budget.
		s.auth.forget(enrollPrefix, p.TokenID)
		s.authFailed(w, r, clientAddr(r), errBadCredential)
		return
	case err != nil:
		s.logFor(r).Error().Err(err).Msg("enroll")
		writeError(w, r, http.StatusServiceUnavailable, "store", "enrollment failed, retry later")
		return
	}
	s.auth.forget(enrollPrefix, p.TokenID) // its count of uses changed
	s.m.enrollments.WithLabelValues(credential).Inc()
	l := s.logFor(r).Info().Str("host_id", hostID).Str("tenant", p.Tenant).Str("hostname", req.Hostname).Str("credential_id", p.TokenID)
	if resp.Warning != "" {
		l = l.Str("warning", "deprecated agent token used to enroll")
	}
	l.Msg("host enrolled")
	writeJSON(w, http.StatusCreated, resp)
}

// readEnrollRequest reads and checks an enrollment body.
func readEnrollRequest(body io.Reader) (EnrollRequest, error) {
	var req EnrollRequest
	b, err := io.ReadAll(io.LimitReader(body, maxEnrollBody+1))
	if err != nil {
		return req, fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxEnrollBody {
		return req, fmt.Errorf("body over %d bytes", maxEnrollBody)
	}
	if _, err := report.Prescan(b); err != nil {
		return req, fmt.Errorf("not one JSON object: %w", err)
	}
	if err := json.Unmarshal(b, &req); err != nil {
		return req, errors.New("not a JSON object of the enrollment's shape")
	}
	return req, report.ValidateEnrollment(req.Hostname, req.MachineID, req.ProductUUID, req.OS.ID, req.OS.VersionID, req.AgentVersion)
}

// newHostID is a server-assigned host id: 32 lowercase hex digits, 128
// random bits (not derived from anything the host says).
func newHostID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random host id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
