package ingest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
)

// TestTwoTenants is the "done when": two agents of different
// tenants report to one server; each viewer sees only its own hosts (in
// lists, by id, in findings, history, reports and the summary); the admin
// sees both.
func TestTwoTenants(t *testing.T) {
	e := newEnv(t, nil)
	var acme, globex []*report.Report
	for i := range 3 {
		r := host(uint64(10+i), "acme").Next(t0)
		if st, _ := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
			t.Fatalf("acme post: %d", st)
		}
		acme = append(acme, r)
		g := host(uint64(20+i), "globex").Next(t0)
		if st, _ := e.post(e.tok["agentB"], g); st != http.StatusAccepted {
			t.Fatalf("globex post: %d", st)
		}
		globex = append(globex, g)
	}
	type hostList struct{ Hosts []store.Host }
	count := func(tok string) map[string]int {
		var hl hostList
		if st := e.get(tok, "/api/v1/hosts", &hl); st != http.StatusOK {
			t.Fatalf("hosts: %d", st)
		}
		out := map[string]int{}
		for _, h := range hl.Hosts {
			out[h.Tenant]++
		}
		return out
	}
	if got := count(e.tok["viewerA"]); got["acme"] != 3 || len(got) != 1 {
		t.Errorf("viewer A sees %v", got)
	}
	if got := count(e.tok["viewerB"]); got["globex"] != 3 || len(got) != 1 {
		t.Errorf("viewer B sees %v", got)
	}
	if got := count(e.tok["admin"]); got["acme"] != 3 || got["globex"] != 3 {
		t.Errorf("admin sees %v", got)
	}
	// A cannot reach B's host, findings, history or report by id or filter.
	gid, grep := globex[0].Host.HostID, globex[0].ReportID
	for _, path := range []string{
		"/api/v1/hosts/" + gid, "/api/v1/hosts/" + gid + "/findings", "/api/v1/hosts/" + gid + "/reports",
		"/api/v1/reports/" + grep,
	} {
		if st := e.get(e.tok["viewerA"], path, nil); st != http.StatusNotFound {
			t.Errorf("viewer A GET %s: %d, want 404", path, st)
		}
		if st := e.get(e.tok["viewerB"], path, nil); st != http.StatusOK {
			t.Errorf("viewer B GET %s: %d, want 200", path, st)
		}
		if st := e.get(e.tok["admin"], path, nil); st != http.StatusOK {
			t.Errorf("admin GET %s: %d, want 200", path, st)
		}
	}
	var fl struct{ Findings []store.Finding }
	e.get(e.tok["viewerA"], "/api/v1/findings?limit=500&host_id="+gid, &fl)
	if len(fl.Findings) != 0 {
		t.Errorf("viewer A sees %d findings of B's host", len(fl.Findings))
	}
	e.get(e.tok["viewerA"], "/api/v1/findings?limit=500&tenant=globex", &fl)
	if len(fl.Findings) != 0 {
		t.Errorf("viewer A filtering on tenant globex sees %d findings", len(fl.Findings))
	}
	var sum store.Summary
	e.get(e.tok["viewerA"], "/api/v1/summary", &sum)
	var n int64
	for _, c := range sum.Open {
		n += c.Count
	}
	// The server judges each report's observations itself (trust_claim:
	// no record, the claimed profile): its counts are the rules engine's,
	// whatever findings the report carried.
	wantA, wantB := judgedCount(t, acme...), judgedCount(t, globex...)
	if wantA == 0 || n != int64(wantA) {
		t.Errorf("viewer A summary counts %d open findings, want %d", n, wantA)
	}
	e.get(e.tok["admin"], "/api/v1/summary", &sum)
	n = 0
	for _, c := range sum.Open {
		n += c.Count
	}
	if n != int64(wantA+wantB) {
		t.Errorf("admin summary counts %d open findings, want %d", n, wantA+wantB)
	}
	// Agents cannot read; viewers cannot write.
	if st := e.get(e.tok["agentA"], "/api/v1/hosts", nil); st != http.StatusForbidden {
		t.Errorf("agent reads hosts: %d", st)
	}
	_ = acme
}

func TestDedupe(t *testing.T) {
	e := newEnv(t, nil)
	r := host(30, "acme").Next(t0)
	if st, body := e.post(e.tok["agentA"], r); st != http.StatusAccepted || body["status"] != "created" {
		t.Fatalf("first post: %d %v", st, body)
	}
	// Retried as plain JSON (another encoding of the same bytes): duplicate.
	st, body := e.do(http.MethodPost, "/api/v1/reports", e.tok["agentA"], mustJSON(t, r), map[string]string{"Content-Type": "application/json; charset=utf-8"})
	if st != http.StatusOK || body["status"] != "duplicate" {
		t.Fatalf("second post: %d %v", st, body)
	}
	r.Findings[0].Severity = report.SeverityInfo
	if st, _ := e.post(e.tok["agentA"], r); st != http.StatusConflict {
		t.Fatalf("changed body: %d, want 409", st)
	}
	if _, n := e.stored(); n != 1 {
		t.Errorf("%d reports stored, want 1", n)
	}
}

// TestOutOfOrderViaAPI: a host's state is the report the server received
// last, whatever its scanned_at says (one report dated a day ahead once
// froze its host); the others are history.
func TestOutOfOrderViaAPI(t *testing.T) {
	e := newEnv(t, nil)
	h := host(31, "acme")
	older, newer := h.Next(t0), h.Next(t0.Add(time.Hour))
	newer.Host.Hostname = "new-name"
	for _, r := range []*report.Report{newer, older} {
		if st, _ := e.post(e.tok["agentA"], r); st != http.StatusAccepted {
			t.Fatalf("post: %d", st)
		}
	}
	var d struct {
		Host    store.Host
		Reports []store.ReportMeta
	}
	if st := e.get(e.tok["viewerA"], "/api/v1/hosts/"+h.ID, &d); st != http.StatusOK {
		t.Fatalf("host: %d", st)
	}
	if d.Host.Hostname == "new-name" || d.Host.LatestReportID != older.ReportID || len(d.Reports) != 2 ||
		d.Reports[0].ReportID != older.ReportID {
		t.Errorf("host %+v with reports %+v: want the report received last as its state", d.Host, d.Reports)
	}
}

func TestReadAPI(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 12 {
		if st, _ := e.post(e.tok["agentA"], host(uint64(40+i), "acme").Next(t0.Add(time.Duration(i)*time.Minute))); st != http.StatusAccepted {
			t.Fatalf("post: %d", st)
		}
	}
	tok := e.tok["viewerA"]
	seen := map[string]bool{}
	path := "/api/v1/hosts?limit=5&sort=-scanned_at"
	for range 10 {
		var page store.HostPage
		if st := e.get(tok, path, &page); st != http.StatusOK {
			t.Fatalf("GET %s: %d", path, st)
		}
		for _, h := range page.Hosts {
			seen[h.HostID] = true
		}
		if page.Next == "" {
			break
		}
		path = "/api/v1/hosts?limit=5&sort=-scanned_at&cursor=" + url.QueryEscape(page.Next)
	}
	if len(seen) != 12 {
		t.Errorf("paged through %d hosts, want 12", len(seen))
	}
	var fl store.FindingPage
	e.get(tok, "/api/v1/findings?responsible=provider&severity=critical&kind=eol&limit=500", &fl)
	for _, f := range fl.Findings {
		if f.Responsible != report.ResponsibleProvider || f.Severity != report.SeverityCritical || f.Kind != report.KindEOL {
			t.Errorf("filter returned %s %s %s", f.Responsible, f.Severity, f.Kind)
		}
	}
	for _, bad := range []string{
		"/api/v1/hosts?tier=gold", "/api/v1/hosts?limit=-1", "/api/v1/hosts?limit=abc", "/api/v1/hosts?cursor=%21%21",
		"/api/v1/hosts?sort=hostname%3B%20drop", "/api/v1/findings?severity=urgent", "/api/v1/findings?status=closed",
		"/api/v1/findings?kind=" + strings.Repeat("x", 300), "/api/v1/trend?days=0", "/api/v1/trend?points=100000",
	} {
		if st := e.get(tok, bad, nil); st != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, st)
		}
	}
	var tr struct{ Points []store.TrendPoint }
	if st := e.get(tok, "/api/v1/trend?days=7&points=8", &tr); st != http.StatusOK || len(tr.Points) != 8 {
		t.Errorf("trend: %d, %d points", st, len(tr.Points))
	}
	var d struct {
		Findings   []store.Finding
		Components []report.Component
	}
	hid := host(40, "acme").ID
	if st := e.get(tok, "/api/v1/hosts/"+hid, &d); st != http.StatusOK || len(d.Findings) != judgedCount(t, host(40, "acme").Next(t0)) || len(d.Components) == 0 {
		t.Errorf("host detail: %d, %d findings, %d components", st, len(d.Findings), len(d.Components))
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *ingestConfig) { c.RatePerSecond, c.RateBurst = 0.001, 2 })
	tok := e.tok["viewerA"]
	for i := range 2 {
		if st := e.get(tok, "/api/v1/summary", nil); st != http.StatusOK {
			t.Fatalf("request %d: %d", i, st)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.http.URL+"/api/v1/summary", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third request: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Another token has its own bucket.
	if st := e.get(e.tok["viewerB"], "/api/v1/summary", nil); st != http.StatusOK {
		t.Errorf("other token: %d", st)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, nil)
	e.post(e.tok["agentA"], host(50, "acme").Next(t0))
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(e.http.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: %d, request id %q", p, resp.StatusCode, resp.Header.Get("X-Request-Id"))
		}
	}
	resp, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{
		`demarc_ingest_reports_total{result="created"} 1`, "demarc_http_request_duration_seconds_bucket",
		"demarc_store_commit_duration_seconds", `demarc_fleet_open_findings{responsible="provider"`, "demarc_ingest_rejects_total",
	} {
		if !strings.Contains(string(b), m) {
			t.Errorf("metrics lack %s", m)
		}
	}
	if strings.Contains(string(b), e.tok["agentA"][21:]) {
		t.Error("a token secret appears in the metrics")
	}
	e.srv.BeginShutdown()
	resp, err = http.Get(e.http.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz while shutting down: %d", resp.StatusCode)
	}
}

// judgedCount is how many findings the rules engine makes of these
// reports' observations with their claimed profiles: what the server
// stores for hosts without a record under the default policy.
func judgedCount(t *testing.T, rs ...*report.Report) int {
	t.Helper()
	eng, err := rules.NewEngine(rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rs {
		n += len(eng.Evaluate(rules.Input{Host: r.Host, Profile: r.Profile, Components: r.Components, Updates: r.Updates, At: r.ScannedAt}).Findings)
	}
	return n
}
