package web_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/ingest/store/sqlite"
	"github.com/demarc/demarc/ingest/web"
	"github.com/demarc/demarc/internal/reportgen"
)

// TestPagesRender signs in as admin and as a viewer and reads every page
// with and without filters: each renders, with the security headers.
func TestPagesRender(t *testing.T) {
	e := newEnv(t, 30, 6)
	acme := e.hosts["acme"][0]
	for _, who := range []string{"admin", "viewerA"} {
		c := e.session(e.tok[who])
		for _, path := range []string{
			"/", "/hosts", "/hosts?tier=managed&os=ubuntu%3A20.04&responsible=provider&severity=critical&sort=hostname&q=web",
			"/hosts?sort=-scanned_at&tenant=acme", "/hosts/" + acme, "/findings", "/findings?groups=all",
			"/findings?product=PHP&kind=eol&status=any&sort=-last_seen", "/findings?status=resolved&layer=operating_system",
			"/hosts?tier=bogus&severity=%3Cx%3E&sort=nope", // unknown values are ignored
		} {
			resp, err := c.Get(e.http.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: %d\n%.300s", who, path, resp.StatusCode, body)
				continue
			}
			h := resp.Header
			if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") ||
				h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: security headers %v", path, h)
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(string(body), `<a class="skip" href="#main">`) {
				t.Errorf("%s: not a full page", path)
			}
		}
	}
}

// TestViewerScope: a viewer's pages count only its tenant, and another
// tenant's host is a 404 page, exactly like an unknown id.
func TestViewerScope(t *testing.T) {
	e := newEnv(t, 30, 4)
	c := e.session(e.tok["viewerA"])
	_, page := e.get(c, "/hosts?q=globex")
	if !strings.Contains(page, `<strong id="hosts-total">0</strong>`) {
		t.Error("acme's viewer finds globex hosts")
	}
	_, page = e.get(c, "/")
	want := e.apiSummary(e.tok["viewerA"])
	if !strings.Contains(page, `id="kpi-provider">`+num(want["provider"])+`<`) {
		t.Errorf("viewer overview does not show the viewer's %d provider findings", want["provider"])
	}
	for _, path := range []string{"/hosts/" + e.hosts["globex"][0], "/hosts/h-doesnotexist", "/hosts/%3Cscript%3E", "/nowhere", "/hosts/x/y"} {
		code, body := e.get(c, path)
		if code != http.StatusNotFound || !strings.Contains(body, "<h1>Not found</h1>") {
			t.Errorf("%s: %d, want the 404 page", path, code)
		}
		if strings.Contains(body, "globex") {
			t.Errorf("%s: the 404 page names the other tenant", path)
		}
	}
	// A report of another tenant is not found either.
	var h struct{ Host store.Host }
	e.api(e.tok["viewerB"], "/api/v1/hosts/"+e.hosts["globex"][0], &h)
	if code, _ := e.get(c, "/reports/"+h.Host.LatestReportID); code != http.StatusNotFound {
		t.Errorf("acme's viewer reads a globex report: %d", code)
	}
	if code, body := e.get(e.session(e.tok["viewerB"]), "/reports/"+h.Host.LatestReportID); code != http.StatusOK || !strings.HasPrefix(body, "{") {
		t.Errorf("globex's viewer reads its report: %d", code)
	}
}

// TestEscaping: stored markup comes out as text in the HTML.
func TestEscaping(t *testing.T) {
	e := newEnv(t, 6, 2)
	c := e.session(e.tok["viewerA"])
	for _, path := range []string{"/hosts/" + e.hostile, "/hosts", "/findings?product=" + url.QueryEscape("Product"+hostile), "/"} {
		_, body := e.get(c, path)
		if strings.Contains(body, "<script>window.__pwned") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: stored markup is in the page unescaped", path)
		}
		if path == "/hosts/"+e.hostile && !strings.Contains(body, html.EscapeString("evil"+hostile)) {
			t.Errorf("%s: the hostname is not shown escaped", path)
		}
	}
}

// TestUnauthenticated: every page needs a session; assets and the sign-in
// page do not.
func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, 4, 2)
	c := e.client()
	for _, path := range []string{"/", "/hosts", "/hosts/" + e.hosts["acme"][0], "/findings?product=PHP", "/reports/x"} {
		resp, err := c.Get(e.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc.Path != "/signin" || loc.Query().Get("next") != path {
			t.Errorf("%s: %d to %s, want 303 to the sign-in page", path, resp.StatusCode, loc)
		}
	}
	code, body := e.get(c, "/signin")
	if code != http.StatusOK || !strings.Contains(body, `<label for="token">`) {
		t.Errorf("sign-in page: %d", code)
	}
	// The API keeps answering JSON, not the sign-in page.
	resp, _ := c.Get(e.http.URL + "/api/v1/hosts")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("API without a token: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, name := range []string{"app.css", "app.js", "favicon.svg"} {
		resp, err := c.Get(e.http.URL + "/static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("asset %s: %d", name, resp.StatusCode)
		}
	}
	if code, _ := e.get(c, "/static/nope.css"); code != http.StatusNotFound {
		t.Errorf("unknown asset: %d", code)
	}
}

// TestSignIn: the cookie's attributes, bad tokens, agent tokens, the next
// parameter, and sign-out.
func TestSignIn(t *testing.T) {
	e := newEnv(t, 4, 2)
	c := e.client()
	_, form := e.get(c, "/signin?next=%2Ffindings%3Fkind%3Deol")
	m := csrfRE.FindStringSubmatch(form)
	resp, err := c.PostForm(e.http.URL+"/signin", url.Values{"csrf": {m[1]}, "token": {"  " + e.tok["viewerA"] + "\n"}, "next": {"/findings?kind=eol"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/findings?kind=eol" {
		t.Errorf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "demarc_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/" || session.MaxAge != 12*3600 || len(session.Value) < 40 {
		t.Fatalf("session cookie %+v", session)
	}
	if strings.Contains(session.Value, tokenID(e.tok["viewerA"])) {
		t.Error("the session cookie carries the token")
	}
	if code, _ := e.get(c, "/hosts"); code != http.StatusOK {
		t.Errorf("signed in: /hosts %d", code)
	}
	for name, tc := range map[string]struct {
		token string
		want  int
		msg   string
	}{
		"wrong":   {"dmc_0123456789abcdef_" + strings.Repeat("A", 43), http.StatusUnauthorized, "not valid"},
		"garbage": {"<script>", http.StatusUnauthorized, "not valid"},
		"agent":   {e.tok["agentA"], http.StatusForbidden, "agent token"},
	} {
		c := e.client()
		_, form := e.get(c, "/signin")
		m := csrfRE.FindStringSubmatch(form)
		resp, err := c.PostForm(e.http.URL+"/signin", url.Values{"csrf": {m[1]}, "token": {tc.token}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || !strings.Contains(string(body), tc.msg) || strings.Contains(string(body), "<script>\"") {
			t.Errorf("%s token: %d, want %d with %q", name, resp.StatusCode, tc.want, tc.msg)
		}
		if code, _ := e.get(c, "/"); code != http.StatusSeeOther {
			t.Errorf("%s token signed in", name)
		}
	}
	// next must stay on this server.
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/signout"} {
		c := e.client()
		_, form := e.get(c, "/signin")
		m := csrfRE.FindStringSubmatch(form)
		resp, err := c.PostForm(e.http.URL+"/signin", url.Values{"csrf": {m[1]}, "token": {e.tok["viewerA"]}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("next %q redirected to %q", next, loc)
		}
	}
	// Sign-out ends the session on the server: the old cookie is dead.
	_, page := e.get(c, "/")
	m = csrfRE.FindStringSubmatch(page)
	resp, err = c.PostForm(e.http.URL+"/signout", url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?m=signed_out" {
		t.Errorf("sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	stolen := e.client()
	u, _ := url.Parse(e.http.URL)
	stolen.Jar.SetCookies(u, []*http.Cookie{{Name: "demarc_session", Value: session.Value}})
	if code, _ := e.get(stolen, "/"); code != http.StatusSeeOther {
		t.Errorf("the cookie of a signed-out session still works: %d", code)
	}
}

// TestCSRF: posts without the form's token, with another's, or from
// another site are refused.
func TestCSRF(t *testing.T) {
	e := newEnv(t, 4, 2)
	c := e.client()
	_, form := e.get(c, "/signin")
	good := csrfRE.FindStringSubmatch(form)[1]
	post := func(c *http.Client, path string, v url.Values, hdr map[string]string) int {
		req, _ := http.NewRequest(http.MethodPost, e.http.URL+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, val := range hdr {
			req.Header.Set(k, val)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tok := e.tok["viewerA"]
	for name, tc := range map[string]struct {
		v   url.Values
		hdr map[string]string
	}{
		"no token":        {url.Values{"token": {tok}}, nil},
		"wrong token":     {url.Values{"token": {tok}, "csrf": {good + "x"}}, nil},
		"cross-site":      {url.Values{"token": {tok}, "csrf": {good}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		"other origin":    {url.Values{"token": {tok}, "csrf": {good}}, map[string]string{"Origin": "https://evil.example"}},
		"no cookie token": {url.Values{"token": {tok}, "csrf": {good}}, map[string]string{"Cookie": "x=y"}},
	} {
		cl := c
		if name == "no cookie token" {
			cl = e.client()
		}
		if code := post(cl, "/signin", tc.v, tc.hdr); code != http.StatusForbidden {
			t.Errorf("sign-in with %s: %d, want 403", name, code)
		}
	}
	// Each refused form was answered with a new one and a new token.
	_, form = e.get(c, "/signin")
	good = csrfRE.FindStringSubmatch(form)[1]
	if code := post(c, "/signin", url.Values{"token": {tok}, "csrf": {good}}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.http.URL}); code != http.StatusSeeOther {
		t.Errorf("a good sign-in: %d", code)
	}
	// Sign-out needs the session's own CSRF token.
	other := e.session(e.tok["viewerB"])
	_, page := e.get(other, "/")
	foreign := csrfRE.FindStringSubmatch(page)[1]
	for _, v := range []url.Values{{}, {"csrf": {foreign}}, {"csrf": {good}}} {
		if code := post(c, "/signout", v, nil); code != http.StatusForbidden {
			t.Errorf("sign-out with csrf %q: %d, want 403", v.Get("csrf"), code)
		}
	}
	if code, _ := e.get(c, "/"); code != http.StatusOK {
		t.Errorf("a refused sign-out ended the session: %d", code)
	}
	if code := post(c, "/hosts", url.Values{}, nil); code == http.StatusOK {
		t.Error("POST /hosts answered 200")
	}
}

// TestSessionEnds: a session stops at its expiry and when its token is
// revoked; a forged cookie is no session.
func TestSessionEnds(t *testing.T) {
	e := newEnv(t, 4, 2)
	c := e.session(e.tok["viewerA"])
	redirect := func(c *http.Client) string {
		resp, err := c.Get(e.http.URL + "/hosts")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return ""
		}
		return resp.Header.Get("Location")
	}
	if loc := redirect(c); loc != "" {
		t.Fatalf("fresh session redirected to %s", loc)
	}
	start := *e.clock
	*e.clock = start.Add(11*time.Hour + 59*time.Minute)
	if loc := redirect(c); loc != "" {
		t.Errorf("session ended before 12 h: %s", loc)
	}
	u, _ := url.Parse(e.http.URL)
	old := c.Jar.Cookies(u)
	*e.clock = start.Add(12 * time.Hour)
	if loc := redirect(c); !strings.Contains(loc, "m=expired") {
		t.Errorf("expired session: redirect %q", loc)
	}
	if len(c.Jar.Cookies(u)) != 0 {
		t.Errorf("the expired session's cookie was not cleared: %v", c.Jar.Cookies(u))
	}
	// Its cookie, replayed, is no session any more.
	*e.clock = start
	c.Jar.SetCookies(u, old)
	if loc := redirect(c); !strings.Contains(loc, "m=invalid") {
		t.Errorf("an expired session came back: %q", loc)
	}
	// Revoking the token ends its sessions.
	c = e.session(e.tok["viewerB"])
	if err := e.st.RevokeToken(t.Context(), tokenID(e.tok["viewerB"]), start); err != nil {
		t.Fatal(err)
	}
	if loc := redirect(c); !strings.Contains(loc, "m=revoked") {
		t.Errorf("revoked token's session: redirect %q", loc)
	}
	forged := e.client()
	for _, v := range []string{"forged", strings.Repeat("A", 43), strings.Repeat("x", 500)} {
		forged.Jar.SetCookies(u, []*http.Cookie{{Name: "demarc_session", Value: v}})
		if loc := redirect(forged); !strings.HasPrefix(loc, "/signin?") || !strings.Contains(loc, "m=invalid") {
			t.Errorf("forged cookie %.10q: redirect %q", v, loc)
		}
	}
	code, body := e.get(forged, "/signin?m=invalid&next=%2Fhosts")
	if code != http.StatusOK || !strings.Contains(body, "not valid any more") || !strings.Contains(body, `name="next" value="/hosts"`) {
		t.Errorf("sign-in page after a forged cookie: %d", code)
	}
}

// TestTLSCookies: over TLS the cookies are Secure with the __Host- prefix
// and pages send HSTS.
func TestTLSCookies(t *testing.T) {
	e := newEnv(t, 4, 2)
	ts := httptest.NewTLSServer(e.srv.Handler())
	defer ts.Close()
	c := ts.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(ts.URL + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	form, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
	m := csrfRE.FindStringSubmatch(string(form))
	resp, err = c.PostForm(ts.URL+"/signin", url.Values{"csrf": {m[1]}, "token": {e.tok["admin"]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var got *http.Cookie
	for _, ck := range resp.Cookies() {
		if strings.HasSuffix(ck.Name, "demarc_session") {
			got = ck
		}
	}
	if resp.StatusCode != http.StatusSeeOther || got == nil || got.Name != "__Host-demarc_session" || !got.Secure || !got.HttpOnly || got.SameSite != http.SameSiteStrictMode {
		t.Errorf("TLS sign-in: %d, cookie %+v", resp.StatusCode, got)
	}
	resp, err = c.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("signed in over TLS: %d", resp.StatusCode)
	}
}

// TestEmptyFleet: a new server with no report yet renders every page.
func TestEmptyFleet(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "empty.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	secret, tok, _ := ingest.NewToken("admin", store.RoleAdmin, "t", time.Now())
	if err := st.CreateToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	srv, err := ingest.New(ingest.Config{Store: st, Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := web.Mount(srv, web.Config{}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	e := &env{t: t, http: ts}
	c := e.session(secret)
	for _, path := range []string{"/", "/hosts", "/findings", "/findings?status=any"} {
		code, body := e.get(c, path)
		if code != http.StatusOK {
			t.Errorf("%s on an empty fleet: %d\n%.400s", path, code, body)
		}
	}
	if _, body := e.get(c, "/"); !strings.Contains(body, "The provider has no open finding") {
		t.Error("the empty overview does not say there is nothing to patch")
	}
}

// TestHostPageShowsEnrollment: the host page says when a host enrolled,
// how old its key is and when it was last used, and flags a machine-id
// that another host presented too (a cloned image); a host that reports
// with its tenant's agent token says it is not enrolled.
func TestHostPageShowsEnrollment(t *testing.T) {
	e := newEnv(t, 2, 1)
	now := *e.clock
	for i, id := range []string{"0123456789abcdef0123456789abcd01", "0123456789abcdef0123456789abcd02"} {
		if err := e.st.Enroll(t.Context(), store.Enrollment{TokenID: tokenIDOf(e.tok["agentA"]),
			Identity: store.HostIdentity{HostID: id, Tenant: "acme", Hostname: "clone", MachineID: "5eed5eed5eed5eed5eed5eed5eed5eed", EnrolledAt: now.Add(-48 * time.Hour)},
			Key:      store.NewHostKey{ID: fmt.Sprintf("00112233aabbcc%02d", i), Hash: make([]byte, 32), CreatedAt: now.Add(-48 * time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		r := reportgen.NewHost(uint64(500+i), 500+i, "acme", 5, -1).Next(now.Add(-time.Hour))
		r.Host.HostID = id
		body, _ := json.Marshal(r)
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		in := store.Incoming{Tenant: "acme", Report: r, Gzip: buf.Bytes(), SHA256: sha256.Sum256(body), ReceivedAt: now.Add(-time.Hour),
			KeyID: fmt.Sprintf("00112233aabbcc%02d", i)}
		if out, err := e.st.SaveBatch(t.Context(), []store.Incoming{in}); err != nil || out[0].Result != store.Created {
			t.Fatalf("save: %v %+v", err, out)
		}
	}
	c := e.session(e.tok["viewerA"])
	code, page := e.get(c, "/hosts/0123456789abcdef0123456789abcd01")
	if code != http.StatusOK || !strings.Contains(page, `id="dup-machine-id"`) || !strings.Contains(page, "last used") || !strings.Contains(page, "2 days old") {
		t.Errorf("enrolled host page: %d\n%s", code, between(page, `id="enrolled"`, "</dl>"))
	}
	code, page = e.get(c, "/hosts/"+e.hosts["acme"][0])
	if code != http.StatusOK || !strings.Contains(page, "not enrolled") {
		t.Errorf("legacy host page: %d\n%s", code, between(page, `id="enrolled"`, "</dl>"))
	}
}

// tokenIDOf is the id part of "dmc_<id>_<secret>".
func tokenIDOf(tok string) string { return tok[4:20] }

// between is the part of s from the first from to the next to.
func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	out, _, _ := strings.Cut(rest, to)
	return out
}

// TestHostPageSaysWhoseOnce: a host page's findings tables say whose each
// gap is once, as notes their rows point at, not on every row; the
// hostile host's rationale (no owner clause) shows whole.
func TestHostPageSaysWhoseOnce(t *testing.T) {
	e := newEnv(t, 4, 1)
	c := e.session(e.tok["admin"])
	checked := 0
	for _, id := range e.hosts["acme"] {
		code, page := e.get(c, "/hosts/"+id)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", id, code)
		}
		rows := strings.Count(page, `<p class="rationale">`)
		refs := strings.Count(page, `class="owner-ref"`)
		notes := strings.Count(page, "<li>This is ")
		clauses := strings.Count(page, "s to fix")
		if rows == 0 {
			continue
		}
		checked++
		if refs != rows || notes == 0 || clauses != notes || notes > rows {
			t.Errorf("%s: %d rows, %d note references, %d notes, %d owner clauses in the page", id, rows, refs, notes, clauses)
		}
	}
	if checked == 0 {
		t.Fatal("no host with findings")
	}
	_, page := e.get(c, "/hosts/"+e.hostile)
	if !strings.Contains(page, `<p class="rationale">Rationale`) || strings.Contains(page, `class="owner-ref"`) {
		t.Error("a rationale without an owner clause is not shown whole")
	}
}
