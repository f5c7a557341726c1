package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// providerFinding is an open provider finding of an acme host.
func providerFinding(t *testing.T, e *env) store.Finding {
	t.Helper()
	var page store.FindingPage
	e.api(e.tok["admin"], "/api/v1/findings?responsible=provider&tenant=acme&limit=500", &page)
	for _, f := range page.Findings {
		if f.HostID != e.hostile {
			return f
		}
	}
	t.Fatal("no provider finding on acme's hosts")
	return store.Finding{}
}

// TestAcceptFormRefused: the accept form needs the page's CSRF token, and
// a viewer of a server that does not allow it is offered no form and
// refused.
func TestAcceptFormRefused(t *testing.T) {
	e := newEnv(t, 6, 2)
	f := providerFinding(t, e)
	exp := e.clock.Add(30 * 24 * time.Hour).Format(time.DateOnly)
	form := url.Values{"host_id": {f.HostID}, "finding_id": {f.ID}, "reason": {"r"}, "expires": {exp}}
	c := e.session(e.tok["admin"])
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/acknowledgements", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.http.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d, want 403", resp.StatusCode)
	}
	v := e.session(e.tok["viewerA"])
	st, body := e.get(v, "/hosts/"+url.PathEscape(f.HostID))
	if st != http.StatusOK || strings.Contains(body, `class="accept-form"`) {
		t.Errorf("viewer's host page: %d, accept form offered: %v", st, strings.Contains(body, `class="accept-form"`))
	}
	st, body = e.get(c, "/hosts/"+url.PathEscape(f.HostID))
	if st != http.StatusOK || !strings.Contains(body, `class="accept-form"`) {
		t.Errorf("admin's host page offers no accept form (%d)", st)
	}
}

// TestBrowserAcknowledge: an admin accepts a finding's risk from its host
// page; the badge shows there and on the findings page, the SLA counts
// drop it, the audit log lists it, and withdrawing it takes the badge away.
func TestBrowserAcknowledge(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t, 8, 3)
	f := providerFinding(t, e)
	x := b{t, tab(t, browser), e}
	x.signIn(e.tok["admin"])
	if st := x.open("/hosts/" + url.PathEscape(f.HostID)); st != http.StatusOK {
		t.Fatalf("host page: %d", st)
	}
	exp := e.clock.Add(90 * 24 * time.Hour).Format(time.DateOnly)
	row := `#f-` + f.ID
	js := `(() => { const r = document.getElementById(` + jsString("f-"+f.ID) + `); const d = r.querySelector("details.accept"); if (!d) return "no form"; d.open = true;
		d.querySelector("input[name=reason]").value = "migration in March"; d.querySelector("input[name=expires]").value = ` + jsString(exp) + `; return "ok" })()`
	if got := x.eval(js); got != "ok" {
		t.Fatalf("accept form on the finding's row: %s", got)
	}
	if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.CSS(row+` .accept-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	want := "accepted until " + exp + ": migration in March"
	if got := x.text(row + " .ack"); got != want {
		t.Errorf("badge on the host page: %q, want %q", got, want)
	}
	if n := x.eval(`String(document.querySelectorAll(` + jsString(row+" details.accept") + `).length)`); n != "0" {
		t.Errorf("an accepted finding still offers the accept form (%s)", n)
	}
	x.open("/findings?host_id=" + url.QueryEscape(f.HostID) + "&responsible=" + string(report.ResponsibleProvider))
	if got := x.eval(`[...document.querySelectorAll("#findings-table .ack")].map(b => b.textContent).join("|")`); got != want {
		t.Errorf("findings page badges: %q", got)
	}
	x.open("/acknowledgements")
	if got := x.text("#acks-table tbody tr td:nth-child(2)"); got != "migration in March" {
		t.Errorf("acknowledgements page: %q", got)
	}
	if got := x.text("#ack-log tbody tr td:nth-child(2)"); got != store.AckCreated {
		t.Errorf("audit log: %q", got)
	}
	if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.CSS(`#acks-table button.withdraw`))); err != nil {
		t.Fatal(err)
	}
	if got := x.text("#ack-done"); !strings.HasPrefix(got, "Withdrawn") {
		t.Errorf("after withdrawing: %q", got)
	}
	if got := x.text("#ack-log tbody tr td:nth-child(2)"); got != store.AckWithdrawn {
		t.Errorf("audit log after withdrawing: %q", got)
	}
	x.open("/hosts/" + url.PathEscape(f.HostID))
	if n := x.eval(`String(document.querySelectorAll(` + jsString(row+" .ack") + `).length)`); n != "0" {
		t.Errorf("withdrawn badge still shown")
	}
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// TestCustomerView: a tenant's viewer sees "Yours to fix" first, then the
// provider's open items with their SLA clocks, and downloads its report;
// nothing of another tenant, whatever the address asks.
func TestCustomerView(t *testing.T) {
	e := newEnv(t, 8, 3)
	var globex store.HostPage
	e.api(e.tok["admin"], "/api/v1/hosts?tenant=globex&limit=500", &globex)
	if len(globex.Hosts) == 0 {
		t.Fatal("no globex host")
	}
	v := e.session(e.tok["viewerA"])
	st, body := e.get(v, "/")
	yours, theirs, kpis := strings.Index(body, `id="yours-to-fix"`), strings.Index(body, `id="provider-open"`), strings.Index(body, `class="kpis"`)
	if st != http.StatusOK || yours < 0 || theirs < yours || kpis < theirs {
		t.Errorf("viewer's overview: %d, yours at %d, provider at %d, figures at %d", st, yours, theirs, kpis)
	}
	if !strings.Contains(body[yours:theirs], `id="yours-list"`) || !strings.Contains(body[theirs:kpis], `id="provider-open-table"`) {
		t.Errorf("the customer's view lists nothing: the test proves nothing")
	}
	if !strings.Contains(body[theirs:kpis], `class="sla `) && !strings.Contains(body[theirs:kpis], "due ") {
		t.Errorf("the provider's items show no SLA clock")
	}
	for _, q := range []string{"/report?format=md", "/report?format=json", "/report?format=md&tenant=globex", "/report?format=json&tenant=globex"} {
		st, body := e.get(v, q)
		if st != http.StatusOK {
			t.Errorf("%s: %d", q, st)
		}
		for _, h := range globex.Hosts {
			if strings.Contains(body, h.HostID) || strings.Contains(body, h.Hostname) {
				t.Errorf("%s: acme's viewer sees globex's host %s", q, h.Hostname)
			}
		}
		if strings.Contains(q, "globex") && (strings.Contains(body, `"host_id"`) || strings.Contains(body, "| Host |")) {
			t.Errorf("%s: findings listed for a forged tenant", q)
		}
	}
	if st, body := e.get(e.session(e.tok["admin"]), "/"); st != http.StatusOK || strings.Contains(body, `id="yours-to-fix"`) {
		t.Errorf("admin's overview shows the customer's view (%d)", st)
	}
}
