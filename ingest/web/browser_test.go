package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/demarc/demarc/ingest/store"
)

// The browser tests drive Debian's chromium package headless. Without it
// they skip, saying how to run them; with DEMARC_CI set (as .ci/run does) a
// missing browser is a failure.

// chromium finds the browser: $DEMARC_CHROMIUM, or chromium on the PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DEMARC_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("DEMARC_CI") != "" {
		t.Fatal("DEMARC_CI is set and no Chromium was found: .ci/run must install Debian's chromium package")
	}
	t.Skip("browser tests need Chromium: apt-get install -y chromium (or set DEMARC_CHROMIUM to a Chrome/Chromium binary)")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile that does not
// try to reach Google's services; it is closed when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return ctx
}

// tab opens a tab in a browser context of its own (its own cookies), with
// a deadline.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelT()
		cancel()
	})
	return ctx
}

// b wraps a tab with the test's failure reporting.
type b struct {
	t   *testing.T
	ctx context.Context
	e   *env
}

func (x b) do(steps ...chromedp.Action[chromedp.Void]) {
	x.t.Helper()
	if err := chromedp.Do(x.ctx, steps...); err != nil {
		x.t.Fatal(err)
	}
}

// open navigates to path and returns the HTTP status of the page.
func (x b) open(path string) int64 {
	x.t.Helper()
	resp, err := chromedp.Run(x.ctx, chromedp.NavigateResponse(x.e.http.URL+path))
	if err != nil {
		x.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

func (x b) text(sel string) string {
	x.t.Helper()
	s, err := chromedp.Run(x.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		x.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (x b) eval(js string) string {
	x.t.Helper()
	s, err := chromedp.Run(x.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		x.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

func (x b) number(sel string) int64 {
	x.t.Helper()
	s := x.text(sel)
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		x.t.Fatalf("%s shows %q, not a number", sel, s)
	}
	return n
}

func (x b) path() string {
	x.t.Helper()
	loc, err := chromedp.Run(x.ctx, chromedp.Location())
	if err != nil {
		x.t.Fatal(err)
	}
	u, _ := url.Parse(loc)
	return u.RequestURI()
}

// signIn signs in through the form, as a person does.
func (x b) signIn(token string) {
	x.t.Helper()
	x.open("/")
	if p := x.path(); !strings.HasPrefix(p, "/signin") {
		x.t.Fatalf("signed out, / led to %s, not the sign-in page", p)
	}
	x.do(chromedp.SendKeys(chromedp.ID("token"), token))
	if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.CSS(`.signin button[type=submit]`))); err != nil {
		x.t.Fatal(err)
	}
	if h := x.text("h1"); h != "Fleet overview" {
		x.t.Fatalf("after sign-in the page says %q", h)
	}
}

// shot writes a full-page PNG of the current page at a width.
func (x b) shot(dir, name string, width int64) {
	x.t.Helper()
	mobile := width < 600
	x.do(chromedp.EmulateViewport(width, 900, func(p *emulation.SetDeviceMetricsOverrideParams, tp *emulation.SetTouchEmulationEnabledParams) {
		p.Mobile = mobile
		if mobile {
			p.DeviceScaleFactor = 2
			tp.Enabled = true
		}
	}))
	// Readable at this width: the page itself never scrolls sideways
	// (wide tables scroll inside their own box).
	if w := x.eval(`String(document.documentElement.scrollWidth - window.innerWidth)`); w != "0" {
		x.t.Errorf("%s: the page is %spx wider than a %dpx screen", name, w, width)
	}
	png, err := chromedp.Run(x.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		x.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		x.t.Fatal(err)
	}
	x.do(chromedp.EmulateViewport(1366, 900))
}

// screenshotDir is $DEMARC_SCREENSHOT_DIR (a relative path is taken from
// the repository's root, where .ci/run runs), or a temporary directory.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("DEMARC_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "demarc-screenshots")
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir) // this package is ingest/web
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	t.Logf("screenshots in %s", abs)
	return dir
}

// TestBrowser drives the web UI in headless Chromium the way people use it.
func TestBrowser(t *testing.T) {
	browser := newBrowser(t)
	start := time.Now()
	hosts, days := 120, 21
	if raceEnabled {
		hosts, days = 60, 14
	}
	e := newEnv(t, hosts, days)
	t.Logf("demo fleet filled in %v", time.Since(start).Round(time.Millisecond))
	shots := screenshotDir(t)
	var adminHost string

	t.Run("SignInOverviewMatchesAPI", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.signIn(e.tok["admin"])
		want := e.apiSummary(e.tok["admin"])
		for _, c := range []struct{ sel, key string }{
			{"#kpi-provider", "provider"}, {"#kpi-customer", "customer"},
			{"#bl-provider-critical", "provider/critical"}, {"#bl-provider-high", "provider/high"},
			{"#bl-customer-critical", "customer/critical"}, {"#bl-customer-total", "customer"},
		} {
			if got := x.number(c.sel); got != want[c.key] {
				t.Errorf("overview %s shows %d, the API says %d", c.sel, got, want[c.key])
			}
		}
		if got, want := x.number("#kpi-hosts"), int64(e.apiCount(e.tok["admin"], "/api/v1/hosts", "hosts")); got != want {
			t.Errorf("overview shows %d hosts, the API lists %d", got, want)
		}
		if n := x.eval(`String(document.querySelectorAll(".chart svg path.line").length)`); n != "2" {
			t.Errorf("the chart has %s lines, want 2", n)
		}
		x.shot(shots, "overview-desktop", 1366)
		x.shot(shots, "overview-phone", 390)
	})

	t.Run("FilterHostsWithoutJavaScript", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.signIn(e.tok["admin"])
		if _, err := chromedp.Call(x.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		x.open("/hosts")
		x.do(chromedp.SetValue(chromedp.ID("f-tier"), "managed"), chromedp.SetValue(chromedp.ID("f-resp"), "provider"),
			chromedp.SetValue(chromedp.ID("f-sev"), "critical"))
		if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.CSS(`.filters button[type=submit]`))); err != nil {
			t.Fatal(err)
		}
		if p := x.path(); !strings.Contains(p, "tier=managed") || !strings.Contains(p, "severity=critical") {
			t.Fatalf("the filter form led to %s", p)
		}
		want := e.apiCount(e.tok["admin"], "/api/v1/hosts?tier=managed&responsible=provider&severity=critical", "hosts")
		if got := x.number("#hosts-total"); got != int64(want) || want == 0 {
			t.Errorf("filtered hosts: the page counts %d, the API lists %d", got, want)
		}
		rows := x.eval(`String(document.querySelectorAll("#hosts-table tbody tr").length)`)
		if rows != strconv.Itoa(min(want, 50)) {
			t.Errorf("%s rows, want %d", rows, min(want, 50))
		}
		x.shot(shots, "hosts-desktop", 1366)
		x.shot(shots, "hosts-phone", 390)
		// Open the worst host and check its numbers against the API.
		if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.CSS(`#hosts-table tbody tr:first-child a.host`))); err != nil {
			t.Fatal(err)
		}
		adminHost = strings.TrimPrefix(x.path(), "/hosts/")
		var detail struct {
			Host     store.Host      `json:"host"`
			Findings []store.Finding `json:"findings"`
		}
		e.api(e.tok["admin"], "/api/v1/hosts/"+adminHost, &detail)
		if got := x.number("#host-provider-total"); got != int64(detail.Host.Open.Provider.Total()) || got == 0 {
			t.Errorf("host page shows %d provider findings, the API %d", got, detail.Host.Open.Provider.Total())
		}
		if got := x.number("#host-customer-total"); got != int64(detail.Host.Open.Customer.Total()) {
			t.Errorf("host page shows %d customer findings, the API %d", got, detail.Host.Open.Customer.Total())
		}
		rows = x.eval(`String(document.querySelectorAll("table.findings tbody tr").length)`)
		if rows != strconv.Itoa(len(detail.Findings)) {
			t.Errorf("host page lists %s findings, the API %d", rows, len(detail.Findings))
		}
		if h := x.text("h1"); h != detail.Host.Hostname {
			t.Errorf("host page title %q, want %q", h, detail.Host.Hostname)
		}
		x.shot(shots, "host-desktop", 1366)
		x.shot(shots, "host-phone", 390)
	})

	t.Run("FindingsEveryEndOfLifePHP", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.signIn(e.tok["admin"])
		x.open("/findings?product=PHP&kind=eol")
		want := e.apiCount(e.tok["admin"], "/api/v1/findings?product=php&kind=eol", "findings")
		if got := x.number("#findings-total"); got != int64(want) || want == 0 {
			t.Errorf("end-of-life PHP: the page counts %d, the API lists %d", got, want)
		}
		if n := x.eval(`String(document.querySelectorAll("#findings-table tbody tr").length)`); n != strconv.Itoa(min(want, 50)) {
			t.Errorf("%s rows, want %d", n, min(want, 50))
		}
		x.shot(shots, "findings-desktop", 1366)
		x.shot(shots, "findings-phone", 390)
	})

	t.Run("HostPendingUpdates", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.signIn(e.tok["viewerA"])
		var any store.UpdatePage
		e.api(e.tok["viewerA"], "/api/v1/updates?security=true&limit=1", &any)
		if len(any.Updates) == 0 {
			t.Fatal("no acme host of the demo fleet has a pending security update")
		}
		id := any.Updates[0].HostID
		var first store.UpdatePage
		e.api(e.tok["viewerA"], "/api/v1/hosts/"+id+"/updates?limit=50", &first)
		want := e.apiCount(e.tok["viewerA"], "/api/v1/hosts/"+id+"/updates", "updates")
		x.open("/hosts/" + id + "#updates")
		if n := x.eval(`String(document.querySelectorAll("#pending-updates tbody tr").length)`); n != strconv.Itoa(min(want, 50)) {
			t.Errorf("the host page lists %s pending packages, the API %d", n, want)
		}
		if got := x.text("#pending-updates tbody tr:first-child th"); !strings.HasPrefix(got, first.Updates[0].Name) || !strings.Contains(got, "security") {
			t.Errorf("first pending package %q, the API's %q (security first)", got, first.Updates[0].Name)
		}
		x.shot(shots, "host-updates-desktop", 1366)
		if want > 50 {
			if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.ID("pending-next"))); err != nil {
				t.Fatal(err)
			}
			if n := x.eval(`String(document.querySelectorAll("#pending-updates tbody tr").length)`); n != strconv.Itoa(min(want-50, 50)) {
				t.Errorf("the next page lists %s pending packages, want %d", n, min(want-50, 50))
			}
		}
	})

	t.Run("UpdatesHostsMissingAFix", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.signIn(e.tok["admin"])
		x.open("/updates")
		var top store.PackagePage
		e.api(e.tok["admin"], "/api/v1/updates/packages?limit=1", &top)
		if len(top.Packages) == 0 {
			t.Fatal("the demo fleet has no pending packages")
		}
		if first := x.text("#updates-packages tbody tr:first-child th a"); first != top.Packages[0].Name {
			t.Fatalf("the Updates page ranks %q first, the API %q", first, top.Packages[0].Name)
		}
		x.shot(shots, "updates-desktop", 1366)
		// The top package: its hosts, as the API lists them.
		if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.CSS(`#updates-packages tbody tr:first-child th a`))); err != nil {
			t.Fatal(err)
		}
		want := e.apiCount(e.tok["admin"], "/api/v1/updates?package="+url.QueryEscape(top.Packages[0].Name), "updates")
		if n := x.eval(`String(document.querySelectorAll("#updates-hosts tbody tr").length)`); n != strconv.Itoa(min(want, 50)) || want == 0 {
			t.Errorf("%s: %s host rows, the API lists %d", top.Packages[0].Name, n, want)
		}
		// An advisory typed into the search box: the hosts still missing it.
		var withAdv store.UpdatePage
		e.api(e.tok["admin"], "/api/v1/updates?package=openssl&security=true&limit=500", &withAdv)
		adv := ""
		for _, u := range withAdv.Updates {
			if len(u.Advisories) > 0 {
				adv = u.Advisories[0]
				break
			}
		}
		if adv == "" {
			t.Fatal("no pending openssl update of the demo fleet names its advisory")
		}
		x.do(chromedp.SetValue(chromedp.ID("f-uq"), adv))
		if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.CSS(`.filters button[type=submit]`))); err != nil {
			t.Fatal(err)
		}
		want = e.apiCount(e.tok["admin"], "/api/v1/updates?advisory="+url.QueryEscape(adv), "updates")
		if n := x.eval(`String(document.querySelectorAll("#updates-hosts tbody tr").length)`); n != strconv.Itoa(min(want, 50)) || want == 0 {
			t.Errorf("advisory %s: %s host rows, the API lists %d", adv, n, want)
		}
		if lede := x.text("#updates-lede"); !strings.Contains(lede, adv) {
			t.Errorf("the page says %q, not naming %s", lede, adv)
		}
		x.shot(shots, "updates-advisory-desktop", 1366)
		x.shot(shots, "updates-advisory-phone", 390)
	})

	t.Run("DownloadCSVAndSLABadges", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.signIn(e.tok["viewerA"])
		// The overview's SLA counts are the API's.
		var slas struct {
			Counts struct {
				Provider, Customer struct{ Breached, Due int64 }
			}
		}
		e.api(e.tok["viewerA"], "/api/v1/sla", &slas)
		x.open("/")
		lead := func(sel string) int64 { // "1,234 past SLA" → 1234
			t.Helper()
			f := strings.Fields(x.text(sel))
			n, err := strconv.ParseInt(strings.ReplaceAll(f[0], ",", ""), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", sel, err)
			}
			return n
		}
		if got := lead("#ov-sla-provider-breached"); got != slas.Counts.Provider.Breached || got == 0 {
			t.Errorf("overview: %d provider findings past their SLA, the API %d", got, slas.Counts.Provider.Breached)
		}
		if got := lead("#ov-sla-customer-due"); got != slas.Counts.Customer.Due {
			t.Errorf("overview: %d customer findings due, the API %d", got, slas.Counts.Customer.Due)
		}
		// Following the count lists those findings, each with its badge.
		if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.ID("ov-sla-provider-breached"))); err != nil {
			t.Fatal(err)
		}
		if p := x.path(); !strings.Contains(p, "sla=breached") || !strings.Contains(p, "responsible=provider") {
			t.Fatalf("the SLA count led to %s", p)
		}
		rows := x.eval(`String(document.querySelectorAll("#findings-table tbody tr").length)`)
		badges := x.eval(`String([...document.querySelectorAll("#findings-table tbody .sla-breached")].filter(b => b.getBoundingClientRect().height > 0 && b.textContent === "SLA breached").length)`)
		if want := strconv.FormatInt(min(slas.Counts.Provider.Breached, 50), 10); rows != want || badges != want {
			t.Errorf("findings past their SLA: %s rows, %s visible badges, want %s", rows, badges, want)
		}
		x.shot(shots, "findings-sla-breached", 1366)
		// The Download CSV link keeps the filters and downloads the list.
		href := x.eval(`document.getElementById("download-findings").getAttribute("href")`)
		for _, want := range []string{"sla=breached", "responsible=provider", "format=csv"} {
			if !strings.Contains(href, want) {
				t.Errorf("Download CSV link %q lacks %s", href, want)
			}
		}
		if d := x.eval(`String(document.getElementById("download-findings").hasAttribute("download"))`); d != "true" {
			t.Error("the Download CSV link is not a download")
		}
		// Click it as a person does: the browser saves the file.
		dir := t.TempDir()
		if _, err := chromedp.Call(x.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
			BrowserContextID: chromedp.FromContext(x.ctx).BrowserContextID}); err != nil {
			t.Fatal(err)
		}
		x.do(chromedp.Click(chromedp.ID("download-findings")))
		var saved []string
		for range 100 {
			saved, _ = filepath.Glob(filepath.Join(dir, "demarc-findings-*.csv")) // Chromium renames it once complete
			if len(saved) > 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if len(saved) != 1 {
			entries, _ := os.ReadDir(dir)
			t.Fatalf("clicking Download CSV saved %v (in the directory: %v)", saved, entries)
		}
		csvBody, err := os.ReadFile(saved[0])
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(csvBody)), "\n")
		if int64(len(lines)-1) != slas.Counts.Provider.Breached || !strings.HasPrefix(lines[0], "host_id,hostname,tenant,") {
			t.Errorf("the download holds %d rows (header %q), the API counts %d", len(lines)-1, lines[0], slas.Counts.Provider.Breached)
		}
		for _, l := range lines[1:] {
			if !strings.Contains(l, ",breached") || !strings.Contains(l, ",acme,") {
				t.Fatalf("download row %q: not acme's, or not past its SLA", l)
			}
		}
		// A host page's findings carry their badges.
		var breached store.FindingPage
		e.api(e.tok["viewerA"], "/api/v1/findings?sla=breached&limit=1", &breached)
		hostID := breached.Findings[0].HostID
		x.open("/hosts/" + hostID)
		var hf store.FindingPage
		e.api(e.tok["viewerA"], "/api/v1/hosts/"+hostID+"/findings?limit=500", &hf)
		n := 0
		for _, f := range hf.Findings {
			if f.SLAState == "breached" {
				n++
			}
		}
		if got := x.eval(`String(document.querySelectorAll("table.findings .sla-breached").length)`); got != strconv.Itoa(n) || n == 0 {
			t.Errorf("host page: %s badges, the API %d findings past their SLA", got, n)
		}
		x.shot(shots, "host-sla", 1366)
	})

	t.Run("ViewerSeesOnlyItsTenant", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.signIn(e.tok["viewerA"])
		want := e.apiSummary(e.tok["viewerA"])
		if got := x.number("#kpi-provider"); got != want["provider"] {
			t.Errorf("viewer overview: %d provider findings, the viewer's API %d", got, want["provider"])
		}
		if got, n := x.number("#kpi-hosts"), e.apiCount(e.tok["viewerA"], "/api/v1/hosts", "hosts"); got != int64(n) || n != len(e.hosts["acme"])+1 {
			t.Errorf("viewer overview: %d hosts, the viewer's API %d, acme has %d", got, n, len(e.hosts["acme"])+1)
		}
		// The chart counts acme's findings only.
		chart := x.eval(`document.querySelector(".chart svg desc").textContent`)
		var trend struct{ Points []store.TrendPoint }
		e.api(e.tok["viewerA"], "/api/v1/trend?days=28&points=29", &trend)
		if last := trend.Points[len(trend.Points)-1]; !strings.Contains(chart, fmt.Sprintf("to %s and", num(last.Provider))) {
			t.Errorf("viewer chart %q, API ends at %+v", chart, last)
		}
		for _, id := range e.hosts["globex"][:3] {
			if code := x.open("/hosts/" + id); code != http.StatusNotFound {
				t.Errorf("acme's viewer opened globex host %s: %d, want 404", id, code)
			}
			if h := x.text("h1"); h != "Not found" {
				t.Errorf("globex host page says %q", h)
			}
		}
		x.shot(shots, "not-found", 1366)
		if code := x.open("/hosts/" + e.hosts["acme"][0]); code != http.StatusOK {
			t.Errorf("acme's own host: %d", code)
		}
		x.open("/hosts?q=" + url.QueryEscape(".globex."))
		if got := x.number("#hosts-total"); got != 0 {
			t.Errorf("acme's viewer finds %d globex hosts by name", got)
		}
	})

	t.Run("HostileStringsAreText", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.signIn(e.tok["viewerA"])
		for _, path := range []string{"/hosts/" + e.hostile, "/hosts?q=evil", "/findings?product=" + url.QueryEscape("Product"+hostile), "/"} {
			if code := x.open(path); code != http.StatusOK {
				t.Fatalf("%s: %d", path, code)
			}
			if v := x.eval(`String(window.__pwned)`); v != "undefined" {
				t.Errorf("%s: a stored script ran (window.__pwned = %s)", path, v)
			}
			if n := x.eval(`String(document.querySelectorAll("main script, main img[src=x]").length)`); n != "0" {
				t.Errorf("%s: %s stored elements became markup", path, n)
			}
		}
		x.open("/hosts/" + e.hostile)
		if h := x.eval(`document.getElementById("hostname").textContent`); h != "evil"+hostile {
			t.Errorf("hostname shown as %q, want the text %q", h, "evil"+hostile)
		}
		if p := x.eval(`document.querySelector("table.findings .product").textContent`); p != "Product"+hostile {
			t.Errorf("product shown as %q", p)
		}
		if r := x.eval(`document.querySelector("table.findings .rationale").innerText`); r != "Rationale"+hostile {
			t.Errorf("rationale shown as %q", r)
		}
		if vis := x.eval(`String(document.querySelector("table.findings .rationale").getBoundingClientRect().height > 0)`); vis != "true" {
			t.Error("the rationale is not visible")
		}
		x.shot(shots, "hostile-host", 1366)
	})

	t.Run("ForgedAndExpiredCookiesLeadToSignIn", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.open("/signin")
		set := func(value string) {
			t.Helper()
			_, err := chromedp.Call(x.ctx, network.SetCookie, network.SetCookieParams{Name: "demarc_session", Value: value,
				URL: e.http.URL + "/", SameSite: network.CookieSameSiteStrict})
			if err != nil {
				t.Fatal(err)
			}
		}
		set("forged-Zm9yZ2VkIGNvb2tpZSB2YWx1ZSBmb3IgdGVzdHM")
		x.open("/hosts/" + e.hosts["acme"][0])
		if p := x.path(); !strings.HasPrefix(p, "/signin?") || !strings.Contains(p, "m=invalid") {
			t.Errorf("a forged cookie led to %s", p)
		}
		if m := x.text("#signin-message"); !strings.Contains(m, "not valid") {
			t.Errorf("sign-in message %q", m)
		}
		// An expired session: stored, but past its end.
		secret := "expired-session-secret-0123456789abcdefghijkl"
		now := *e.clock
		se := store.Session{ID: sessionHash(secret), TokenID: tokenID(e.tok["viewerA"]), CreatedAt: now.Add(-13 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
		if err := e.st.CreateSession(t.Context(), se); err != nil {
			t.Fatal(err)
		}
		set(secret)
		x.open("/findings")
		if p := x.path(); !strings.Contains(p, "m=expired") {
			t.Errorf("an expired session led to %s", p)
		}
		if m := x.text("#signin-message"); !strings.Contains(m, "expired") {
			t.Errorf("sign-in message %q", m)
		}
		x.shot(shots, "signin-desktop", 1366)
		x.shot(shots, "signin-phone", 390)
	})

	t.Run("SignOut", func(t *testing.T) {
		x := b{t, tab(t, browser), e}
		x.signIn(e.tok["viewerB"])
		if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.CSS(`form[action="/signout"] button`))); err != nil {
			t.Fatal(err)
		}
		if p := x.path(); p != "/signin?m=signed_out" {
			t.Errorf("sign-out led to %s", p)
		}
		x.open("/")
		if p := x.path(); !strings.HasPrefix(p, "/signin") {
			t.Errorf("after sign-out / led to %s", p)
		}
	})
	_ = adminHost
}

// num formats like the pages do.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
