package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// postForm posts a form as c and returns the status, Location and body.
func (e *env) postForm(c *http.Client, path string, v url.Values) (int, string, string) {
	e.t.Helper()
	resp, err := c.PostForm(e.http.URL+path, v)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, resp.Header.Get("Location"), b.String()
}

// TestRecordCardViewer: a viewer sees the card, no form, and cannot post
// one even with its own page's CSRF token.
func TestRecordCardViewer(t *testing.T) {
	e := newEnv(t, 4, 2)
	id := e.hosts["acme"][0]
	c := e.session(e.tok["viewerA"])
	code, body := e.get(c, "/hosts/"+id)
	if code != http.StatusOK || !strings.Contains(body, `id="record"`) || !strings.Contains(body, `id="record-none"`) || strings.Contains(body, `id="record-form"`) {
		t.Fatalf("viewer's page: %d, card %v, form %v", code, strings.Contains(body, `id="record"`), strings.Contains(body, `id="record-form"`))
	}
	csrf := csrfRE.FindStringSubmatch(body)[1] // the sign-out form's
	if code, _, _ := e.postForm(c, "/hosts/"+id+"/record", url.Values{"csrf": {csrf}, "tier": {"iaas"}}); code != http.StatusForbidden {
		t.Errorf("viewer's post: %d, want 403", code)
	}
	if _, err := e.st.HostRecord(t.Context(), store.AllTenants(), id); err == nil {
		t.Error("a viewer's post stored a record")
	}
}

// TestRecordCardAdmin: an admin adds a record through the form (the
// change is shown, with an audit line naming the admin's token), a bad
// value is refused with the field named and the values kept, a post
// without the page's CSRF token is refused, and the tenant's viewer then
// sees the record and its history without a form.
func TestRecordCardAdmin(t *testing.T) {
	e := newEnv(t, 4, 2)
	id := e.hosts["acme"][0]
	page := "/hosts/" + id
	c := e.session(e.tok["admin"])
	code, body := e.get(c, page)
	if code != http.StatusOK || !strings.Contains(body, `id="record-form"`) {
		t.Fatalf("admin's page: %d, form %v", code, strings.Contains(body, `id="record-form"`))
	}
	csrf := csrfRE.FindStringSubmatch(body)[1]
	form := url.Values{"csrf": {csrf}, "tier": {"iaas"}, "maintenance_agreement": {"true"}, "customer": {"ACME <Web> & co"}, "contract": {"C-17"}, "data_centre": {"ams1"}}
	code, loc, _ := e.postForm(c, page+"/record", form)
	if code != http.StatusSeeOther || loc != page+"?record=saved#record" {
		t.Fatalf("save: %d %q", code, loc)
	}
	_, body = e.get(c, loc)
	who := "test (token " + tokenID(e.tok["admin"]) + ")"
	for _, want := range []string{`id="record-saved"`, `<dd id="record-tier">IaaS</dd>`, `<dd id="record-agreement">yes</dd>`,
		html.EscapeString("ACME <Web> & co"), `id="record-history"`, "<td>" + who + "</td><td>tier</td>", `<dd id="record-updated">by ` + who} {
		if !strings.Contains(body, want) {
			t.Errorf("page after saving lacks %s", want)
		}
	}
	if strings.Contains(body, "ACME <Web>") {
		t.Error("a label is not escaped")
	}
	rec, err := e.st.HostRecord(t.Context(), store.TenantScope("acme"), id)
	if err != nil || rec.Tier != report.TierIaaS || rec.MaintenanceAgreement == nil || !*rec.MaintenanceAgreement || rec.UpdatedBy != who || rec.Tenant != "acme" {
		t.Fatalf("stored record %+v %v", rec, err)
	}
	// A refused edit: 422, the field named, the values kept, nothing stored.
	bad := url.Values{"csrf": {csrf}, "tier": {"colocation"}, "contract": {strings.Repeat("x", 200)}}
	code, _, body = e.postForm(c, page+"/record", bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "contract: longer than 128 bytes") || !strings.Contains(body, `<option value="colocation" selected>`) {
		t.Errorf("refused edit: %d, error shown %v", code, strings.Contains(body, "contract: longer"))
	}
	for _, v := range []url.Values{{"tier": {"managed"}}, {"csrf": {csrf + "x"}, "tier": {"managed"}}} {
		if code, _, _ := e.postForm(c, page+"/record", v); code != http.StatusForbidden {
			t.Errorf("post with csrf %q: %d, want 403", v.Get("csrf"), code)
		}
	}
	if code, _, _ := e.postForm(c, "/hosts/nope/record", url.Values{"csrf": {csrf}, "tier": {"managed"}}); code != http.StatusNotFound {
		t.Errorf("unknown host: %d", code)
	}
	if rec2, _ := e.st.HostRecord(t.Context(), store.AllTenants(), id); rec2.Tier != report.TierIaaS || rec2.Contract != "C-17" {
		t.Errorf("refused posts changed the record: %+v", rec2)
	}
	// Back to the tier's default agreement: one more audit line.
	form.Set("maintenance_agreement", "")
	if code, _, _ := e.postForm(c, page+"/record", form); code != http.StatusSeeOther {
		t.Fatalf("second save: %d", code)
	}
	v := e.session(e.tok["viewerA"])
	_, body = e.get(v, page)
	if !strings.Contains(body, `<dd id="record-agreement">no <span class="muted">(the tier's default)</span></dd>`) ||
		!strings.Contains(body, "<td>maintenance_agreement</td><td>true → <span class=\"muted\">(none)</span></td>") || strings.Contains(body, `id="record-form"`) {
		t.Errorf("viewer's page after the edits: agreement line %v, audit line %v", strings.Contains(body, "record-agreement"), strings.Contains(body, "<td>maintenance_agreement</td>"))
	}
	if code, _ := e.get(e.session(e.tok["viewerB"]), page); code != http.StatusNotFound {
		t.Errorf("other tenant's viewer: %d", code)
	}
}

// TestJudgedOnTheRecord: after an admin records a tier, the host page says
// the host is judged on the provider's record, and flags that the host
// claims something else (its agent.yaml), keeping the claim visible.
func TestJudgedOnTheRecord(t *testing.T) {
	e := newEnv(t, 4, 1)
	id := e.hosts["acme"][0]
	c := e.session(e.tok["admin"])
	_, body := e.get(c, "/hosts/"+id)
	if !strings.Contains(body, `id="judged-on"`) || !strings.Contains(body, "the tier the host claims") || strings.Contains(body, `id="claim-disagrees"`) {
		t.Fatalf("before any record:\n%s", between(body, `id="judged-on"`, "</section>"))
	}
	h, err := e.st.Host(t.Context(), store.AllTenants(), id)
	if err != nil {
		t.Fatal(err)
	}
	other := report.TierColocation
	if h.Tier == other {
		other = report.TierIaaS
	}
	csrf := csrfRE.FindStringSubmatch(body)[1]
	if code, _, _ := e.postForm(c, "/hosts/"+id+"/record", url.Values{"csrf": {csrf}, "tier": {string(other)}}); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	<-e.srv.RejudgeIdle()
	_, body = e.get(c, "/hosts/"+id)
	if !strings.Contains(body, "the tier from the provider") || !strings.Contains(body, `id="claim-disagrees"`) {
		t.Errorf("after the record:\n%s", between(body, `id="judged-on"`, "</section>"))
	}
}
