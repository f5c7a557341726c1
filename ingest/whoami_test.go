package ingest_test

import (
	"net/http"
	"testing"
)

func TestWhoami(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		tok, tenant, role string
		status            int
	}{
		{"agentA", "acme", "agent", http.StatusOK},
		{"viewerB", "globex", "viewer", http.StatusOK},
		{"admin", "admin", "admin", http.StatusOK},
		{"revoked", "", "", http.StatusUnauthorized},
	} {
		var got struct {
			TokenID string `json:"token_id"`
			Tenant  string `json:"tenant"`
			Role    string `json:"role"`
		}
		st := e.get(e.tok[tc.tok], "/api/v1/whoami", &got)
		if st != tc.status {
			t.Fatalf("%s: status %d, want %d", tc.tok, st, tc.status)
		}
		if st != http.StatusOK {
			continue
		}
		if got.Tenant != tc.tenant || got.Role != tc.role || got.TokenID != tokenID(e.tok[tc.tok]) {
			t.Errorf("%s: got %+v", tc.tok, got)
		}
	}
}
