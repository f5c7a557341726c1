package ingest_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// env is a server on a fresh SQLite database with tokens for two tenants.
type env struct {
	t     *testing.T
	srv   *ingest.Server
	st    store.Store
	http  *httptest.Server
	tok   map[string]string // agentA agentB viewerA viewerB admin revoked
	clock time.Time
}

func newEnv(t *testing.T, mod func(*ingest.Config)) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "demarc.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return newEnvOn(t, st, mod)
}

func newEnvOn(t *testing.T, st store.Store, mod func(*ingest.Config)) *env {
	t.Helper()
	e := &env{t: t, st: st, tok: map[string]string{}}
	for name, spec := range map[string]struct {
		tenant string
		role   store.Role
	}{
		"agentA": {"acme", store.RoleAgent}, "agentB": {"globex", store.RoleAgent},
		"viewerA": {"acme", store.RoleViewer}, "viewerB": {"globex", store.RoleViewer},
		"admin": {"admin", store.RoleAdmin}, "revoked": {"acme", store.RoleAgent},
	} {
		e.tok[name] = e.addToken(spec.tenant, spec.role)
	}
	id := tokenID(e.tok["revoked"])
	if err := st.RevokeToken(t.Context(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Most tests post with the tenant agent tokens above, as agents did
	// before enrollment (compat mode); the enrollment tests turn it off.
	cfg := ingest.Config{Store: st, Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel), TokenCacheTTL: -1,
		AgentTokenReports: true}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.http = httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		e.http.Close()
		srv.Close()
		st.Close()
	})
	return e
}

func (e *env) addToken(tenant string, role store.Role) string {
	secret, tok, err := ingest.NewToken(tenant, role, "test", time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.CreateToken(e.t.Context(), tok); err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// tokenID is the id part of "dmc_<id>_<secret>".
func tokenID(tok string) string { return tok[4:20] }

var t0 = time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC)

func host(seed uint64, tenant string) *reportgen.Host {
	return reportgen.NewHost(seed, int(seed), tenant, 40, -1)
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends a report as an agent does (gzip JSON) and returns the status
// and decoded body.
func (e *env) post(token string, r *report.Report) (int, map[string]any) {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/reports", token, gz(e.t, mustJSON(e.t, r)),
		map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"})
}

// do sends one request and decodes a JSON answer.
func (e *env) do(method, path, token string, body []byte, hdr map[string]string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.http.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		e.t.Fatalf("%s %s: answer is not a JSON object: %.200q", method, path, raw)
	}
	return resp.StatusCode, out
}

// get reads an API path as token into v and returns the status.
func (e *env) get(token, path string, v any) int {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), http.MethodGet, e.http.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			e.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// stored counts the hosts and reports in the database (admin scope).
func (e *env) stored() (hosts, reports int) {
	e.t.Helper()
	ctx := e.t.Context()
	p := store.Page{Limit: store.MaxLimit}
	for {
		page, err := e.st.Hosts(ctx, store.AllTenants(), store.HostFilter{}, p)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, h := range page.Hosts {
			hosts++
			reps, err := e.st.Reports(ctx, store.AllTenants(), h.HostID, store.Page{Limit: store.MaxLimit})
			if err != nil {
				e.t.Fatal(err)
			}
			reports += len(reps.Reports)
		}
		if page.Next == "" {
			return hosts, reports
		}
		p.Cursor = page.Next
	}
}

type ingestConfig = ingest.Config

var allScope = store.AllTenants()
