package web_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/demo"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/ingest/web"
	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// hostile is markup and script that must be shown as text wherever a
// hostname, product, rationale or other stored string appears.
const hostile = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">"'&amp;`

// env is a server with the web UI over a demo fleet of two tenants (acme
// and globex) plus one acme host whose strings are all hostile.
type env struct {
	t       *testing.T
	st      store.Store
	srv     *ingest.Server
	http    *httptest.Server
	tok     map[string]string // admin viewerA viewerB agentA
	hosts   map[string][]string
	hostile string // the hostile host's id
	clock   *time.Time
}

func newEnv(t *testing.T, hosts, days int, mods ...func(*ingest.Config)) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "demarc.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	e := &env{t: t, st: st, tok: map[string]string{}, clock: &now}
	if hosts > 0 { // 0: an empty fleet
		res, err := demo.Fill(t.Context(), st, demo.Options{Hosts: hosts, Days: days, Tenants: []string{"acme", "globex"}, End: now.Add(-time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		e.hosts = res.HostIDs
	}
	for name, spec := range map[string]struct {
		tenant string
		role   store.Role
	}{"admin": {"ops", store.RoleAdmin}, "viewerA": {"acme", store.RoleViewer}, "viewerB": {"globex", store.RoleViewer}, "agentA": {"acme", store.RoleAgent}} {
		secret, tok, err := ingest.NewToken(spec.tenant, spec.role, "test", now)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateToken(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
		e.tok[name] = secret
	}
	e.hostile = e.saveHostile(now.Add(-2 * time.Minute))
	cfg := ingest.Config{Store: st, Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		TokenCacheTTL: -1, RatePerSecond: -1, Now: func() time.Time { return *e.clock },
		AgentTokenReports: true} // the simulated fleet posts with tenant agent tokens
	for _, m := range mods {
		m(&cfg)
	}
	srv, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := web.Mount(srv, web.Config{Now: func() time.Time { return *e.clock }}); err != nil {
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

// saveHostile stores, straight into the store (the API refuses such a
// hostname), an acme host whose every string holds markup and script.
func (e *env) saveHostile(at time.Time) string {
	h := reportgen.NewHost(4242, 999, "acme", 12, -1)
	r := h.Next(at)
	r.Host.Hostname = "evil" + hostile
	r.Host.OS.PrettyName = hostile
	r.Host.Kernel.Release = hostile
	r.Profile.Provider = hostile
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Product, f.Installed, f.Latest = "Product"+hostile, hostile, hostile
		f.Rationale, f.Remediation, f.Evidence = "Rationale"+hostile, hostile, []string{hostile}
	}
	r.Components = []report.Component{{Layer: report.LayerApplications, Product: hostile, Version: hostile, Source: hostile}}
	r.Summary = report.Summarize(r.Findings)
	body, err := json.Marshal(r)
	if err != nil {
		e.t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(body)
	zw.Close()
	in := store.Incoming{Tenant: "acme", Report: r, Gzip: buf.Bytes(), SHA256: sha256.Sum256(body), ReceivedAt: at}
	if _, err := e.st.SaveBatch(e.t.Context(), []store.Incoming{in}); err != nil {
		e.t.Fatal(err)
	}
	return h.ID
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs c in with token through the form and returns the answer's
// status and Location.
func (e *env) signIn(c *http.Client, token string) (int, string) {
	e.t.Helper()
	_, body := e.get(c, "/signin")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no CSRF token on the sign-in page")
	}
	resp, err := c.PostForm(e.http.URL+"/signin", url.Values{"csrf": {m[1]}, "token": {token}, "next": {"/"}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// session returns a client signed in with token.
func (e *env) session(token string) *http.Client {
	e.t.Helper()
	c := e.client()
	if code, _ := e.signIn(c, token); code != http.StatusSeeOther {
		e.t.Fatalf("sign-in: %d", code)
	}
	return c
}

// get reads a page and returns its status and body.
func (e *env) get(c *http.Client, path string) (int, string) {
	e.t.Helper()
	resp, err := c.Get(e.http.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// api reads an API path with a bearer token into v.
func (e *env) api(token, path string, v any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		e.t.Fatal(err)
	}
}

// apiCount counts the items of a paginated API list (hosts or findings).
func (e *env) apiCount(token, path, key string) int {
	e.t.Helper()
	n, cursor := 0, ""
	for range 1000 {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		var page map[string]json.RawMessage
		e.api(token, path+sep+"limit=500&cursor="+url.QueryEscape(cursor), &page)
		var items []json.RawMessage
		json.Unmarshal(page[key], &items)
		n += len(items)
		if page["next"] == nil {
			return n
		}
		json.Unmarshal(page["next"], &cursor)
	}
	e.t.Fatal("API pagination does not end")
	return 0
}

// apiSummary returns the open findings per party and severity the API
// reports for token.
func (e *env) apiSummary(token string) map[string]int64 {
	var sum store.Summary
	e.api(token, "/api/v1/summary", &sum)
	out := map[string]int64{}
	for _, c := range sum.Open {
		out[string(c.Responsible)+"/"+string(c.Severity)] += c.Count
		out[string(c.Responsible)] += c.Count
	}
	return out
}

// tokenID is the id part of "dmc_<id>_<secret>".
func tokenID(tok string) string { return tok[4:20] }

// sessionHash is what the store keeps of a session secret.
func sessionHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
