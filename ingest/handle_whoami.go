package ingest

import "net/http"

// whoamiResponse is the body of GET /api/v1/whoami.
type whoamiResponse struct {
	TokenID string `json:"token_id"`
	Tenant  string `json:"tenant"`
	Role    string `json:"role"`
	// HostID is a host key's host.
	HostID string `json:"host_id,omitempty"`
}

// whoami is GET /api/v1/whoami: which token, tenant and role the caller's
// credential is, so that `demarc config check` can tell an agent that it
// was handed a viewer's token before a report is refused for it.
func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	writeJSON(w, http.StatusOK, whoamiResponse{TokenID: p.TokenID, Tenant: p.Tenant, Role: string(p.Role), HostID: p.HostID})
}
