package web_test

import (
	"encoding/csv"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/demarc/demarc/ingest/sla"
	"github.com/demarc/demarc/ingest/store"
)

// link finds the href of the element with id on a page.
func link(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `" href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		m = regexp.MustCompile(`href="([^"]+)"[^>]*id="` + regexp.QuoteMeta(id) + `"`).FindStringSubmatch(body)
	}
	if m == nil {
		t.Fatalf("no link #%s on the page", id)
	}
	return html.UnescapeString(m[1])
}

// download reads a download as c and parses it as CSV.
func (e *env) download(c *http.Client, path string) (int, http.Header, [][]string) {
	e.t.Helper()
	resp, err := c.Get(e.http.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, resp.Header, nil
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		e.t.Fatalf("%s: not CSV: %v", path, err)
	}
	return resp.StatusCode, resp.Header, recs
}

func column(t *testing.T, recs [][]string, name string) []string {
	t.Helper()
	i := -1
	for j, c := range recs[0] {
		if c == name {
			i = j
		}
	}
	if i < 0 {
		t.Fatalf("no column %s in %v", name, recs[0])
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, strings.TrimPrefix(r[i], "'"))
	}
	return out
}

// TestDownloadLinks: each list page's Download CSV link keeps the page's
// filters and drops its page; following it gives the API's rows for those
// filters; a viewer's download is its tenant's, whatever it asks for.
func TestDownloadLinks(t *testing.T) {
	e := newEnv(t, 30, 8)
	admin, viewer := e.session(e.tok["admin"]), e.session(e.tok["viewerA"])

	_, body := e.get(admin, "/hosts?tier=managed&responsible=provider&page=2&groups=all")
	href := link(t, body, "download-hosts")
	if href != "?format=csv&responsible=provider&tier=managed" {
		t.Errorf("hosts download link %q", href)
	}
	st, hdr, recs := e.download(admin, "/hosts"+href)
	if st != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Disposition"), `attachment; filename="demarc-hosts-`) {
		t.Fatalf("hosts download: %d %v", st, hdr)
	}
	if got, want := len(recs)-1, e.apiCount(e.tok["admin"], "/api/v1/hosts?tier=managed&responsible=provider", "hosts"); got != want || want == 0 {
		t.Errorf("hosts download: %d rows, the API lists %d", got, want)
	}

	_, body = e.get(admin, "/findings?responsible=provider&severity=high&sort=opened_at")
	href = link(t, body, "download-findings")
	_, _, recs = e.download(admin, "/findings"+href)
	var api store.FindingPage
	e.api(e.tok["admin"], "/api/v1/findings?responsible=provider&severity=high&sort=opened_at&limit=500", &api)
	ids := column(t, recs, "finding_id")
	if len(ids) != len(api.Findings) || len(ids) == 0 {
		t.Fatalf("findings download: %d rows, the API %d", len(ids), len(api.Findings))
	}
	for i, f := range api.Findings {
		if ids[i] != f.ID {
			t.Fatalf("findings download row %d: %s, the API %s", i, ids[i], f.ID)
		}
	}
	_, _, recs = e.download(admin, link(t, body, "download-backlog"))
	var groups struct{ Groups []store.FindingGroup }
	e.api(e.tok["admin"], "/api/v1/backlog?responsible=provider&severity=high", &groups)
	if got := column(t, recs, "product"); len(got) != len(groups.Groups) || len(got) == 0 || got[0] != groups.Groups[0].Product {
		t.Errorf("backlog download %v, the API %+v", got, groups.Groups)
	}

	acme := e.hosts["acme"][0]
	_, body = e.get(viewer, "/hosts/"+acme)
	_, _, recs = e.download(viewer, link(t, body, "download-host-findings"))
	if got, want := len(recs)-1, e.apiCount(e.tok["viewerA"], "/api/v1/hosts/"+acme+"/findings", "findings"); got != want {
		t.Errorf("host findings download: %d rows, the API %d", got, want)
	}
	for _, h := range column(t, recs, "host_id") {
		if h != acme {
			t.Fatalf("host findings download holds host %s", h)
		}
	}
	if strings.Contains(body, `id="download-updates"`) {
		_, _, recs = e.download(viewer, link(t, body, "download-updates"))
		if got, want := len(recs)-1, e.apiCount(e.tok["viewerA"], "/api/v1/hosts/"+acme+"/updates", "updates"); got != want {
			t.Errorf("host updates download: %d rows, the API %d", got, want)
		}
	}

	// A viewer asking for another tenant gets its own.
	for _, p := range []string{"/hosts?tenant=globex&format=csv", "/findings?tenant=globex&format=csv"} {
		_, _, recs := e.download(viewer, p)
		tenants := column(t, recs, "tenant")
		if len(tenants) == 0 {
			t.Errorf("%s: nothing", p)
		}
		for _, tn := range tenants {
			if tn != "acme" {
				t.Fatalf("viewer of acme %s: a row of %s", p, tn)
			}
		}
	}
	globex := e.hosts["globex"][0]
	for _, p := range []string{"/hosts/" + globex + "/updates?format=csv", "/findings?host_id=" + globex + "&format=csv"} {
		st, _, recs := e.download(viewer, p)
		if st == http.StatusOK && len(recs) > 1 {
			t.Errorf("viewer of acme %s: %d, %d rows", p, st, len(recs)-1)
		}
	}
	for _, p := range []string{"/hosts?format=xlsx", "/findings?format=pdf", "/backlog?format=x", "/hosts/" + acme + "/updates?format=x"} {
		if st, _ := e.get(viewer, p); st != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", p, st)
		}
	}
}

var countRE = regexp.MustCompile(`id="([a-z-]+)"[^>]*>([0-9,]+) `)

// counts reads the SLA count elements of a page by id.
func counts(body string) map[string]int {
	out := map[string]int{}
	for _, m := range countRE.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[1], "sla") {
			n, _ := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
			out[m[1]] = n
		}
	}
	return out
}

// TestSLAOnPages: the overview's, the findings page's and the host page's
// SLA counts agree with the API's SLA states, each finding past its SLA
// carries the badge, and the monthly report renders as a page and as
// Markdown.
func TestSLAOnPages(t *testing.T) {
	e := newEnv(t, 30, 20)
	c := e.session(e.tok["viewerA"])
	var all store.FindingPage
	e.api(e.tok["viewerA"], "/api/v1/findings?limit=500", &all)
	want := map[string]int{}
	for _, f := range all.Findings {
		want[string(f.Responsible)+"-"+f.SLAState]++
	}
	if want["provider-"+sla.Breached] == 0 {
		t.Fatalf("the demo fleet has no provider finding past its SLA: %v", want)
	}
	_, body := e.get(c, "/")
	got := counts(body)
	for _, party := range []string{"provider", "customer"} {
		for _, st := range []string{sla.Breached, sla.Due} {
			if got["ov-sla-"+party+"-"+st] != want[party+"-"+st] {
				t.Errorf("overview %s %s: %d, the API's states %d", party, st, got["ov-sla-"+party+"-"+st], want[party+"-"+st])
			}
		}
	}
	_, body = e.get(c, link(t, body, "ov-sla-provider-breached"))
	rows := strings.Count(body, `<tr>`) - strings.Count(body, `<tr><th`)
	if badges := strings.Count(body, `class="sla sla-breached" title=`); badges != min(50, want["provider-breached"]) || rows < badges {
		t.Errorf("findings past their SLA: %d badges, want %d", badges, min(50, want["provider-breached"]))
	}
	if strings.Contains(body, `class="sla sla-due" title=`) {
		t.Error("a due finding among those past their SLA")
	}

	var breached store.FindingPage
	e.api(e.tok["viewerA"], "/api/v1/findings?sla=breached&limit=1", &breached)
	host := breached.Findings[0].HostID
	var hf store.FindingPage
	e.api(e.tok["viewerA"], "/api/v1/hosts/"+host+"/findings?limit=500", &hf)
	hw := map[string]int{}
	for _, f := range hf.Findings {
		hw[string(f.Responsible)+"-"+f.SLAState]++
	}
	_, body = e.get(c, "/hosts/"+host)
	got = counts(body)
	for _, k := range []string{"provider-breached", "provider-due", "customer-breached", "customer-due"} {
		if got["host-sla-"+k] != hw[k] {
			t.Errorf("host page %s: %d, the API %d", k, got["host-sla-"+k], hw[k])
		}
	}
	if n := strings.Count(body, `class="sla sla-breached" title=`); n != hw["provider-breached"]+hw["customer-breached"] || n == 0 {
		t.Errorf("host page: %d badges, %d findings past their SLA", n, hw["provider-breached"]+hw["customer-breached"])
	}

	st, body := e.get(c, "/sla")
	if st != http.StatusOK || !strings.Contains(body, `id="sla-share"`) || !strings.Contains(body, `id="sla-open-breached"`) {
		t.Fatalf("SLA page: %d\n%.500s", st, body)
	}
	md := link(t, body, "sla-md")
	resp, err := c.Get(e.http.URL + "/sla" + md)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mdBody, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/markdown; charset=utf-8" ||
		!strings.HasPrefix(string(mdBody), "# Provider SLA report, ") {
		t.Errorf("Markdown report: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), mdBody)
	}
	for _, p := range []string{"/sla?month=2026-13", "/sla?month=x", "/sla?format=pdf"} {
		if st, _ := e.get(c, p); st != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", p, st)
		}
	}
}
