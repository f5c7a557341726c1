package ingest_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/report"
)

// hostile is one request that must be refused.
type hostile struct {
	name   string
	token  string // a key of env.tok, or a literal token when it contains "_"
	body   []byte
	hdr    map[string]string
	method string
	path   string
	want   int
}

const meta = `'; DROP TABLE hosts; -- <script>alert(1)</script> "&" %_`

// valid returns a fresh valid report of host seed 7 (tenant acme).
func valid() *report.Report { return host(7, "acme").Next(t0.Add(time.Hour)) }

func jsonOf(t *testing.T, mod func(r *report.Report)) []byte {
	r := valid()
	mod(r)
	return mustJSON(t, r)
}

func hostileCases(t *testing.T, e *env, stored *report.Report) []hostile {
	js := map[string]string{"Content-Type": "application/json"}
	gzjs := map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}
	ok := mustJSON(t, valid())
	big := bytes.Repeat([]byte("a"), 10<<20)
	million := append([]byte(`{"schema":"demarc.report/v1","findings":[`), bytes.Repeat([]byte(`{},`), 1_000_000)...)
	million = append(million[:len(million)-1], "]}"...)
	foreign := host(8, "globex").Next(t0.Add(2 * time.Hour))
	foreign.Host.HostID = stored.Host.HostID
	conflict := *stored
	conflict.DurationMS += 1000
	withJSON := func(name string, want int, mod func(r *report.Report)) hostile {
		return hostile{name: name, token: "agentA", body: jsonOf(t, mod), hdr: js, want: want}
	}
	return []hostile{
		{name: "no token", body: ok, hdr: js, want: 401},
		{name: "basic auth", token: "Basic", body: ok, hdr: map[string]string{"Content-Type": "application/json", "Authorization": "Basic YTpi"}, want: 401},
		{name: "garbage token", token: "x_not-a-token", body: ok, hdr: js, want: 401},
		{name: "unknown token", token: "dmc_0123456789abcdef_" + strings.Repeat("A", 43), body: ok, hdr: js, want: 401},
		{name: "right id wrong secret", token: e.tok["agentA"][:21] + strings.Repeat("B", 43), body: ok, hdr: js, want: 401},
		{name: "revoked token", token: "revoked", body: ok, hdr: js, want: 401},
		{name: "viewer posts", token: "viewerA", body: ok, hdr: js, want: 403},
		{name: "admin posts", token: "admin", body: ok, hdr: js, want: 403},
		{name: "text/plain", token: "agentA", body: ok, hdr: map[string]string{"Content-Type": "text/plain"}, want: 415},
		{name: "no content type", token: "agentA", body: ok, want: 415},
		{name: "brotli", token: "agentA", body: ok, hdr: map[string]string{"Content-Type": "application/json", "Content-Encoding": "br"}, want: 415},
		{name: "gzip header, plain body", token: "agentA", body: ok, hdr: gzjs, want: 400},
		{name: "truncated gzip", token: "agentA", body: gz(t, ok)[:200], hdr: gzjs, want: 400},
		{name: "gzip bomb", token: "agentA", body: gz(t, bytes.Repeat([]byte(" "), 64<<20)), hdr: gzjs, want: 413},
		{name: "body over limit", token: "agentA", body: bytes.Repeat([]byte(" "), 3<<20), hdr: js, want: 413},
		{name: "empty body", token: "agentA", hdr: js, want: 400},
		{name: "truncated JSON", token: "agentA", body: ok[:len(ok)/2], hdr: js, want: 400},
		{name: "JSON array", token: "agentA", body: []byte(`[` + string(ok) + `]`), hdr: js, want: 400},
		{name: "JSON null", token: "agentA", body: []byte(`null`), hdr: js, want: 400},
		{name: "trailing garbage", token: "agentA", body: append(append([]byte{}, ok...), "{}"...), hdr: js, want: 400},
		{name: "invalid UTF-8", token: "agentA", body: bytes.Replace(ok, []byte("Example Hosting"), []byte("Ex\xff\xfeample"), 1), hdr: js, want: 400},
		{name: "binary", token: "agentA", body: []byte{0, 1, 2, 0xff, 0x1f, 0x8b}, hdr: js, want: 400},
		withJSON("wrong schema", 422, func(r *report.Report) { r.Schema = "demarc.report/v2" }),
		withJSON("no schema", 422, func(r *report.Report) { r.Schema = "" }),
		withJSON("missing report_id", 422, func(r *report.Report) { r.ReportID = "" }),
		withJSON("missing host_id", 422, func(r *report.Report) { r.Host.HostID = "" }),
		withJSON("missing hostname", 422, func(r *report.Report) { r.Host.Hostname = "" }),
		withJSON("missing scanned_at", 422, func(r *report.Report) { r.ScannedAt = time.Time{} }),
		withJSON("scanned_at in 2099", 422, func(r *report.Report) { r.ScannedAt = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC) }),
		withJSON("unknown tier", 422, func(r *report.Report) { r.Profile.Tier = "gold" }),
		withJSON("unknown severity", 422, func(r *report.Report) { r.Findings[3].Severity = "urgent" }),
		withJSON("unknown responsible", 422, func(r *report.Report) { r.Findings[0].Responsible = "nobody" }),
		withJSON("unknown kind", 422, func(r *report.Report) { r.Findings[0].Kind = "bad" }),
		withJSON("unknown component layer", 422, func(r *report.Report) { r.Components[0].Layer = "kitchen" }),
		withJSON("finding without id", 422, func(r *report.Report) { r.Findings[5].ID = "" }),
		withJSON("duplicate finding ids", 422, func(r *report.Report) { r.Findings[1].ID = r.Findings[0].ID }),
		withJSON("1 MB rationale", 422, func(r *report.Report) { r.Findings[0].Rationale = string(big[:1<<20]) }),
		withJSON("10 MB hostname", 413, func(r *report.Report) { r.Host.Hostname = string(big) }),
		{name: "1 million findings", token: "agentA", body: gz(t, million), hdr: gzjs, want: 413},
		{name: "6000 findings", token: "agentA", body: gz(t, jsonOf(t, func(r *report.Report) {
			for i := range 6000 {
				f := r.Findings[0]
				f.ID = "f" + time.Duration(i).String()
				r.Findings = append(r.Findings, f)
			}
		})), hdr: gzjs, want: 422},
		withJSON("negative duration", 422, func(r *report.Report) { r.DurationMS = -5 }),
		withJSON("negative uptime", 422, func(r *report.Report) { r.Host.UptimeSeconds = -1 }),
		withJSON("negative summary count", 422, func(r *report.Report) { r.Summary.Provider.High = -3 }),
		withJSON("negative update count", 422, func(r *report.Report) { r.Updates = &report.Updates{Count: -1} }),
		{name: "huge number", token: "agentA", body: bytes.Replace(ok, []byte(`"duration_ms":`), []byte(`"duration_ms":1e400,"x":`), 1), hdr: js, want: 400},
		{name: "int64 overflow", token: "agentA", body: bytes.Replace(ok, []byte(`"duration_ms":`), []byte(`"duration_ms":99999999999999999999,"x":`), 1), hdr: js, want: 400},
		{name: "string for a number", token: "agentA", body: bytes.Replace(ok, []byte(`"duration_ms":`), []byte(`"duration_ms":"5","x":`), 1), hdr: js, want: 400},
		{name: "object for a string", token: "agentA", body: bytes.Replace(ok, []byte(`"report_id":`), []byte(`"report_id":{},"x":`), 1), hdr: js, want: 400},
		withJSON("metacharacters in every string", 422, func(r *report.Report) { everyString(r, meta) }),
		withJSON("control character", 422, func(r *report.Report) { r.Findings[0].Rationale = "bell\x07" }),
		withJSON("NUL in product", 422, func(r *report.Report) { r.Findings[0].Product = "php\x00" }),
		withJSON("space in report_id", 422, func(r *report.Report) { r.ReportID = "a b" }),
		withJSON("tenant not the token's", 403, func(r *report.Report) { r.Profile.Tenant = "globex" }),
		withJSON("bad tenant name", 422, func(r *report.Report) { r.Profile.Tenant = "Acme Corp" }),
		{name: "another tenant's host id", token: "agentB", body: mustJSON(t, foreign), hdr: js, want: 403},
		{name: "same report_id, different body", token: "agentA", body: mustJSON(t, &conflict), hdr: js, want: 409},
		{name: "GET on the ingest path", token: "agentA", method: http.MethodGet, want: 405},
		{name: "unknown API path", token: "agentA", path: "/api/v1/nope", hdr: js, body: ok, want: 404},
	}
}

// everyString sets every string field a report has to s.
func everyString(r *report.Report, s string) {
	r.Schema, r.ReportID, r.Agent.Name, r.Agent.Version, r.EvaluatedAt = s, s, s, s, s
	h := &r.Host
	h.Hostname, h.HostID, h.OS.ID, h.OS.Name, h.OS.VersionID, h.OS.PrettyName, h.OS.Family = s, s, s, s, s, s, s
	h.Kernel.Release, h.Kernel.Arch, h.Virtualization.System, h.Virtualization.Role = s, s, s, s
	r.Profile.Provider, r.Profile.Tier, r.Profile.Tenant = s, report.Tier(s), s
	for i := range r.Components {
		c := &r.Components[i]
		c.Layer, c.Product, c.Version, c.Source = report.Layer(s), s, s, s
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		f.ID, f.Kind, f.Layer, f.Product, f.Installed, f.Latest, f.Cycle = s, report.Kind(s), report.Layer(s), s, s, s, s
		f.EOLDate, f.Severity, f.Responsible, f.Rule, f.Rationale, f.Remediation, f.BlockedBy = s, report.Severity(s), report.Responsible(s), s, s, s, s
		f.Evidence = []string{s}
	}
}

// TestHostileRequests sends each hostile request and checks it gets the
// right 4xx with a JSON {error}, that nothing is stored, and that the
// server still answers (a panic would fail the test through httptest).
func TestHostileRequests(t *testing.T) {
	e := newEnv(t, func(c *ingestConfig) { c.RatePerSecond = -1 })
	stored := host(7, "acme").Next(t0)
	if st, _ := e.post(e.tok["agentA"], stored); st != http.StatusAccepted {
		t.Fatalf("setup post: %d", st)
	}
	hosts0, reports0 := e.stored()
	cases := hostileCases(t, e, stored)
	if len(cases) < 30 {
		t.Fatalf("only %d hostile cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := e.tok[tc.token]
			if tok == "" && strings.Contains(tc.token, "_") {
				tok = tc.token
			}
			method, path := tc.method, tc.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = "/api/v1/reports"
			}
			status, body := e.do(method, path, tok, tc.body, tc.hdr)
			if status != tc.want {
				t.Errorf("status %d, want %d (%v)", status, tc.want, body)
			}
			if msg, _ := body["error"].(string); msg == "" {
				t.Errorf("no JSON error in the answer: %v", body)
			}
			if h, r := e.stored(); h != hosts0 || r != reports0 {
				t.Errorf("stored %d hosts %d reports, want %d %d", h, r, hosts0, reports0)
			}
		})
	}
	got, err := e.st.ReportBody(t.Context(), allScope, stored.ReportID)
	if err != nil || !bytes.Equal(got, mustJSON(t, stored)) {
		t.Errorf("the first body of the report was changed (err %v)", err)
	}
	if st := e.get(e.tok["admin"], "/api/v1/summary", nil); st != http.StatusOK {
		t.Errorf("server unhealthy after the hostile requests: %d", st)
	}
}
