package ingest_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// raw sends a GET as token and returns the status, headers and body.
func (e *env) raw(token, path string) (int, http.Header, []byte) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), http.MethodGet, e.http.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// exportFleet posts two reports for three acme hosts and two globex
// hosts, with pending packages.
func exportFleet(t *testing.T, e *env) (acme []string) {
	t.Helper()
	for i := range 5 {
		tenant, tok := "acme", e.tok["agentA"]
		if i >= 3 {
			tenant, tok = "globex", e.tok["agentB"]
		}
		h := host(uint64(180+i), tenant)
		if tenant == "acme" {
			acme = append(acme, h.ID)
		}
		for d := range 2 {
			r := h.Next(t0.Add(time.Duration(d) * 24 * time.Hour))
			pkgs := []report.Package{pending("openssl", true), pending("=cmd|' /C calc'!A0", false)}
			r.Updates = &report.Updates{Manager: "apt", Count: len(pkgs), SecurityDataAvailable: true, Packages: pkgs}
			if st, _ := e.post(tok, r); st != http.StatusAccepted {
				t.Fatalf("post: %d", st)
			}
		}
	}
	return acme
}

// csvRows parses an export back with encoding/csv, keyed by column name,
// undoing the formula guard.
func csvRows(t *testing.T, body []byte) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%.300s", err, body)
	}
	if len(recs) == 0 {
		t.Fatal("no header row")
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = strings.TrimPrefix(rec[i], "'")
		}
		out = append(out, m)
	}
	return out
}

// jsonList pages through a JSON list of the API, returning its items as
// generic JSON objects.
func jsonList(t *testing.T, e *env, tok, path, key string) []map[string]any {
	t.Helper()
	var out []map[string]any
	cursor := ""
	for range 100 {
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		var page map[string]any
		if st := e.get(tok, p, &page); st != http.StatusOK {
			t.Fatalf("GET %s: %d", p, st)
		}
		for _, it := range page[key].([]any) {
			out = append(out, it.(map[string]any))
		}
		next, _ := page["next"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
	t.Fatal("no end")
	return nil
}

// str renders a JSON value as its CSV cell.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatInt(int64(x), 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// TestExportsMatchAPI: every list's CSV export, parsed back, holds the
// rows of the JSON API for the same filters, in the same order, and its
// JSON lines are the API's items; a viewer's export is its tenant's only,
// whatever tenant it asks for.
func TestExportsMatchAPI(t *testing.T) {
	now := t0.Add(12 * 24 * time.Hour)
	e := newEnv(t, func(c *ingest.Config) { c.Now = func() time.Time { return now } })
	acme := exportFleet(t, e)

	type list struct {
		path, key string
		cols      map[string]func(map[string]any) string // CSV column → the JSON item's value
	}
	field := func(path ...string) func(map[string]any) string {
		return func(m map[string]any) string {
			var v any = m
			for _, p := range path {
				v = v.(map[string]any)[p]
			}
			return str(v)
		}
	}
	hosts := map[string]func(map[string]any) string{"host_id": field("host_id"), "hostname": field("hostname"), "tenant": field("tenant"),
		"os_version_id": field("os", "version_id"), "provider_critical": field("open", "provider", "critical"),
		"customer_high": field("open", "customer", "high"), "scanned_at": field("scanned_at"), "claim_disagrees": field("claim_disagrees")}
	findings := map[string]func(map[string]any) string{"host_id": field("host_id"), "finding_id": field("id"), "severity": field("severity"),
		"responsible": field("responsible"), "product": field("product"), "rationale": field("rationale"), "opened_at": field("opened_at"),
		"sla_due": field("sla_due"), "sla_state": field("sla_state"), "resolved_at": field("resolved_at")}
	updates := map[string]func(map[string]any) string{"host_id": field("host_id"), "name": field("name"), "security": field("security"),
		"pending_since": field("pending_since"), "pending_days": field("pending_days")}
	groups := map[string]func(map[string]any) string{"product": field("product"), "cycle": field("cycle"), "severity": field("severity"),
		"hosts": field("hosts"), "findings": field("findings"), "oldest_opened": field("oldest_opened")}
	lists := []list{
		{"/api/v1/hosts?sort=-provider_open", "hosts", hosts},
		{"/api/v1/hosts?responsible=provider&severity=high", "hosts", hosts},
		{"/api/v1/findings?sort=severity", "findings", findings},
		{"/api/v1/findings?responsible=customer&status=any&sort=-last_seen", "findings", findings},
		{"/api/v1/findings?sla=breached", "findings", findings},
		{"/api/v1/hosts/" + acme[0] + "/findings?severity=high", "findings", findings},
		{"/api/v1/hosts/" + acme[1] + "/updates?", "updates", updates},
		{"/api/v1/updates?package=openssl", "updates", updates},
		{"/api/v1/updates?", "updates", updates},
		{"/api/v1/backlog?responsible=provider", "groups", groups},
	}
	for _, tok := range []string{"viewerA", "admin"} {
		for _, l := range lists {
			sep := "&"
			if !strings.Contains(l.path, "?") {
				sep = "?"
			}
			paged := l.path + sep + "limit=500"
			if strings.Contains(l.path, "backlog") {
				paged = l.path // one list, no pages
			}
			want := jsonList(t, e, e.tok[tok], paged, l.key)
			st, hdr, body := e.raw(e.tok[tok], l.path+sep+"format=csv")
			if st != http.StatusOK || hdr.Get("Content-Type") != "text/csv; charset=utf-8" ||
				!regexp.MustCompile(`^attachment; filename="demarc-[a-z]+-\d{8}T\d{6}Z\.csv"$`).MatchString(hdr.Get("Content-Disposition")) {
				t.Fatalf("%s %s: %d %v", tok, l.path, st, hdr)
			}
			got := csvRows(t, body)
			if len(got) != len(want) || len(want) == 0 {
				t.Fatalf("%s %s: CSV %d rows, API %d", tok, l.path, len(got), len(want))
			}
			for i := range want {
				for col, get := range l.cols {
					if got[i][col] != get(want[i]) {
						t.Errorf("%s %s row %d %s: CSV %q, API %q", tok, l.path, i, col, got[i][col], get(want[i]))
					}
				}
				if tok == "viewerA" && got[i]["tenant"] != "" && got[i]["tenant"] != "acme" {
					t.Errorf("%s %s: a row of tenant %s", tok, l.path, got[i]["tenant"])
				}
			}
			st, hdr, body = e.raw(e.tok[tok], l.path+sep+"format=jsonl")
			lines := bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
			if st != http.StatusOK || hdr.Get("Content-Type") != "application/x-ndjson; charset=utf-8" || len(lines) != len(want) {
				t.Fatalf("%s %s jsonl: %d %q, %d lines, want %d", tok, l.path, st, hdr.Get("Content-Type"), len(lines), len(want))
			}
			for i, line := range lines {
				var m map[string]any
				if err := json.Unmarshal(line, &m); err != nil {
					t.Fatal(err)
				}
				a, b := mustJSON(t, m), mustJSON(t, want[i])
				if !bytes.Equal(a, b) {
					t.Errorf("%s %s jsonl line %d:\n%s\nAPI:\n%s", tok, l.path, i, a, b)
				}
			}
		}
	}

	// A viewer forging another tenant's filter exports nothing of it.
	for _, p := range []string{"/api/v1/hosts?tenant=globex&format=csv", "/api/v1/findings?tenant=globex&format=csv",
		"/api/v1/updates?tenant=globex&format=csv", "/api/v1/backlog?tenant=globex&format=csv"} {
		st, _, body := e.raw(e.tok["viewerA"], p)
		if rows := csvRows(t, body); st != http.StatusOK || len(rows) != 0 {
			t.Errorf("viewerA %s: %d, %d rows of globex", p, st, len(rows))
		}
		st, _, body = e.raw(e.tok["admin"], p)
		if rows := csvRows(t, body); st != http.StatusOK || len(rows) == 0 || rows[0]["tenant"] != "globex" && rows[0]["responsible"] == "" {
			t.Errorf("admin %s: %d, %d rows", p, st, len(rows))
		}
	}
	if st, _, _ := e.raw(e.tok["viewerB"], "/api/v1/hosts/"+acme[0]+"/findings?format=csv"); st != http.StatusNotFound {
		t.Errorf("another tenant's host's findings export: %d, want 404", st)
	}
	if st, _, _ := e.raw(e.tok["viewerB"], "/api/v1/hosts/"+acme[0]+"/updates?format=csv"); st != http.StatusNotFound {
		t.Errorf("another tenant's host's updates export: %d, want 404", st)
	}

	// The formula guard: a package named like a formula is text.
	_, _, body := e.raw(e.tok["viewerA"], "/api/v1/hosts/"+acme[1]+"/updates?format=csv")
	if !bytes.Contains(body, []byte(`'=cmd|' /C calc'!A0`)) {
		t.Errorf("a formula cell is not guarded:\n%s", body)
	}
}

// TestExportBadParams: malformed formats and filters, and pages asked of
// an export, are 400 bad_query with a message naming the parameter.
func TestExportBadParams(t *testing.T) {
	e := newEnv(t, nil)
	exportFleet(t, e)
	for _, tc := range []struct{ path, msg string }{
		{"/api/v1/hosts?format=xlsx", "parameter format"},
		{"/api/v1/hosts?format=CSV", "parameter format"},
		{"/api/v1/findings?format=csv&limit=10", "limit and cursor"},
		{"/api/v1/findings?format=jsonl&cursor=abc", "limit and cursor"},
		{"/api/v1/findings?format=csv&severity=urgent", "parameter severity"},
		{"/api/v1/findings?format=csv&sla=late", "parameter sla"},
		{"/api/v1/findings?sla=breached&status=resolved", "parameter sla"},
		{"/api/v1/updates?format=csv&security=yes", "parameter security"},
		{"/api/v1/hosts?format=csv&tier=cloud", "parameter tier"},
		{"/api/v1/backlog?limit=5", "limit and cursor"},
		{"/api/v1/backlog?sla=breached", "parameter sla"},
		{"/api/v1/backlog?format=pdf", "parameter format"},
		{"/api/v1/hosts/nope/updates?format=xml", "parameter format"},
		{"/api/v1/sla/report?month=2026-13", "month"},
		{"/api/v1/sla/report?format=pdf", "parameter format"},
	} {
		st, body := e.do(http.MethodGet, tc.path, e.tok["viewerA"], nil, nil)
		if st != http.StatusBadRequest || body["code"] != "bad_query" || !strings.Contains(fmt.Sprint(body["error"]), tc.msg) {
			t.Errorf("%s: %d %v, want 400 bad_query naming %q", tc.path, st, body, tc.msg)
		}
	}
}

// TestSLAClock: the provider's critical findings go ok → due → breached
// as the server's injected clock moves, in the findings API (sla_due,
// sla_state), its sla filter, /api/v1/sla and the /metrics gauges.
func TestSLAClock(t *testing.T) {
	now := t0
	policy, err := sla.FromDays(sla.Days{"critical": 10, "high": 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *ingest.Config) {
		c.Now = func() time.Time { return now }
		c.SLA = policy
		c.FleetGaugeTTL = -1
	})
	exportFleet(t, e)
	var crit []store.Finding
	var page store.FindingPage
	e.get(e.tok["admin"], "/api/v1/findings?responsible=provider&severity=critical&limit=500", &page)
	crit = page.Findings
	if len(crit) == 0 {
		t.Fatal("the fleet has no provider-critical finding")
	}
	opened := crit[0].OpenedAt
	for _, f := range crit {
		if !f.OpenedAt.Equal(opened) {
			t.Fatalf("critical findings opened at %v and %v", opened, f.OpenedAt)
		}
	}
	gauge := func(party, state string) int {
		t.Helper()
		_, _, body := e.raw("", "/metrics")
		m := regexp.MustCompile(`(?m)^demarc_sla_findings\{party="` + party + `",state="` + state + `"\} (\d+)$`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("/metrics lacks demarc_sla_findings{party=%q,state=%q}", party, state)
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	for _, step := range []struct {
		at    time.Time
		state string
	}{
		{opened.Add(time.Hour), sla.OK},
		{opened.Add(3*24*time.Hour + time.Second), sla.Due},
		{opened.Add(10*24*time.Hour - time.Second), sla.Due},
		{opened.Add(10 * 24 * time.Hour), sla.Breached},
		{opened.Add(40 * 24 * time.Hour), sla.Breached},
	} {
		now = step.at
		var p store.FindingPage
		e.get(e.tok["admin"], "/api/v1/findings?responsible=provider&severity=critical&limit=500", &p)
		for _, f := range p.Findings {
			if f.SLAState != step.state || f.SLADue == nil || !f.SLADue.Equal(opened.Add(10*24*time.Hour)) {
				t.Fatalf("at %v: %s/%s is %q due %v, want %q due %v", now, f.HostID, f.ID, f.SLAState, f.SLADue, step.state, opened.Add(10*24*time.Hour))
			}
		}
		// The filter and the counts agree with the states of every open
		// finding (highs and lows have their own clocks).
		var all store.FindingPage
		e.get(e.tok["admin"], "/api/v1/findings?limit=500", &all)
		want := map[string]int{}
		for _, f := range all.Findings {
			want[string(f.Responsible)+"/"+f.SLAState]++
		}
		for _, st := range []string{sla.Breached, sla.Due} {
			var fp store.FindingPage
			e.get(e.tok["admin"], "/api/v1/findings?limit=500&sla="+st, &fp)
			if len(fp.Findings) != want["provider/"+st]+want["customer/"+st] {
				t.Errorf("at %v: ?sla=%s lists %d, states say %d", now, st, len(fp.Findings), want["provider/"+st]+want["customer/"+st])
			}
			for _, f := range fp.Findings {
				if f.SLAState != st {
					t.Errorf("at %v: ?sla=%s lists a finding %s", now, st, f.SLAState)
				}
			}
			for _, party := range []string{"provider", "customer"} {
				if g := gauge(party, st); g != want[party+"/"+st] {
					t.Errorf("at %v: demarc_sla_findings{%s,%s} = %d, states say %d", now, party, st, g, want[party+"/"+st])
				}
			}
		}
		var counts struct {
			Counts sla.Fleet `json:"counts"`
		}
		e.get(e.tok["viewerA"], "/api/v1/sla", &counts)
		var wantA sla.Fleet
		var acme store.FindingPage
		e.get(e.tok["viewerA"], "/api/v1/findings?limit=500", &acme)
		for _, f := range acme.Findings {
			c := wantA.Of(f.Responsible)
			switch f.SLAState {
			case sla.Breached:
				c.Breached++
			case sla.Due:
				c.Due++
			}
		}
		if counts.Counts != wantA {
			t.Errorf("at %v: acme's /api/v1/sla %+v, its findings say %+v", now, counts.Counts, wantA)
		}
		if step.state == sla.Breached && wantA.Provider.Breached == 0 {
			t.Errorf("at %v: acme has no breached provider finding", now)
		}
	}
	if !slices.ContainsFunc(crit, func(f store.Finding) bool { return f.Tenant == "acme" }) {
		t.Error("acme has no provider-critical finding")
	}
}
