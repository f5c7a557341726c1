package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/ingest/store/storetest"
	"github.com/demarc/demarc/internal/reportgen"
)

// TestAdminTokenRefusesTenant: an admin reads every tenant, so
// `token create --tenant acme --role admin` (which once looked like an
// acme-only admin and was not) is refused and stores nothing; an admin
// token is created without --tenant; an admin token stored with a tenant
// by an older version still reads every tenant.
func TestAdminTokenRefusesTenant(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	db := "sqlite:" + path
	var out, errb bytesBuffer
	if code := execute([]string{"token", "create", "--db", db, "--tenant", "acme", "--role", "admin"}, &out, &errb); code == 0 {
		t.Errorf("admin token with a tenant created: %q", out.String())
	}
	for _, role := range []string{"agent", "viewer"} {
		if code := execute([]string{"token", "create", "--db", db, "--role", role}, &out, &errb); code == 0 {
			t.Errorf("%s token without a tenant created", role)
		}
	}
	out.Reset()
	if code := execute([]string{"token", "create", "--db", db, "--role", "admin", "--name", "ops"}, &out, &errb); code != 0 {
		t.Fatalf("admin token: %d %s", code, errb.String())
	}
	admin := strings.TrimSpace(out.String())

	st, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	toks, err := st.Tokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 1 || toks[0].Role != store.RoleAdmin {
		t.Fatalf("tokens stored: %+v, want the one admin", toks)
	}
	legacy, tok, err := ingest.NewToken("ops", store.RoleAdmin, "made by an older version", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC()
	for i, tenant := range []string{"acme", "globex"} {
		r := reportgen.NewHost(uint64(10+i), i, tenant, 3, -1).Next(at)
		if _, err := st.SaveBatch(t.Context(), []store.Incoming{storetest.Incoming(t, tenant, r)}); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := ingest.New(ingest.Config{Store: st, Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for name, secret := range map[string]string{"new": admin, "legacy": legacy} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/hosts", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		var page store.HostPage
		if err := json.Unmarshal(rec.Body.Bytes(), &page); rec.Code != http.StatusOK || err != nil {
			t.Fatalf("%s admin: GET /api/v1/hosts: %d %s", name, rec.Code, rec.Body.String())
		}
		if len(page.Hosts) != 2 {
			t.Errorf("%s admin sees %d hosts, want both tenants'", name, len(page.Hosts))
		}
	}
}
