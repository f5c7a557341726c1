package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/notify"
)

// TestWebhooksPage: an admin sees the subscription, sends a test event
// with the button (a loopback receiver gets it, signed) and sees the
// delivery in the log; a viewer sees neither the page nor the link, and a
// post without the page's CSRF token is refused.
func TestWebhooksPage(t *testing.T) {
	const secret = "web-test-secret-0123456"
	var got atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if strings.Contains(string(body), `"type":"test"`) {
			got.Add(1)
		}
	}))
	defer recv.Close()
	e := newEnv(t, 2, 1, func(c *ingest.Config) {
		c.WebhookPoll = 10 * time.Millisecond
		c.Webhooks = []notify.Subscription{{ID: "ops", URL: recv.URL, Secret: secret, Tenant: "acme"}}
	})
	v := e.session(e.tok["viewerA"])
	if code, body := e.get(v, "/"); code != http.StatusOK || strings.Contains(body, `href="/webhooks"`) {
		t.Errorf("viewer's overview: %d, webhooks link %v", code, strings.Contains(body, `href="/webhooks"`))
	}
	if code, _ := e.get(v, "/webhooks"); code != http.StatusForbidden {
		t.Errorf("viewer's /webhooks: %d, want 403", code)
	}
	a := e.session(e.tok["admin"])
	code, body := e.get(a, "/webhooks")
	if code != http.StatusOK || !strings.Contains(body, `id="test-ops"`) || !strings.Contains(body, recv.URL) || strings.Contains(body, secret) {
		t.Fatalf("admin's /webhooks: %d, button %v, secret shown %v", code, strings.Contains(body, `id="test-ops"`), strings.Contains(body, secret))
	}
	if code, _, _ := e.postForm(a, "/webhooks/ops/test", url.Values{"csrf": {"forged"}}); code != http.StatusForbidden {
		t.Errorf("test without the page's CSRF token: %d, want 403", code)
	}
	csrf := csrfRE.FindStringSubmatch(body)[1]
	if code, _, _ := e.postForm(a, "/webhooks/ops/test", url.Values{"csrf": {csrf}}); code != http.StatusOK && code != http.StatusSeeOther {
		t.Fatalf("send test: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for got.Load() == 0 || !strings.Contains(body, `id="webhook-log"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no test delivery in the log: received %d, page %.300s", got.Load(), body)
		}
		time.Sleep(10 * time.Millisecond)
		_, body = e.get(a, "/webhooks")
	}
	if got.Load() != 1 {
		t.Errorf("the test event arrived %d times", got.Load())
	}
}

// TestBrowserWebhooks: in a real browser, an admin finds the Webhooks link,
// presses "Send test", sees the notice, and after a reload the delivery in
// the log, answered 204 by the loopback receiver.
func TestBrowserWebhooks(t *testing.T) {
	browser := newBrowser(t)
	const secret = "web-browser-secret-0123456"
	var got atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) && strings.Contains(string(body), `"type":"test"`) {
			got.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	e := newEnv(t, 2, 1, func(c *ingest.Config) {
		c.WebhookPoll = 10 * time.Millisecond
		c.Webhooks = []notify.Subscription{{ID: "ops", URL: recv.URL, Secret: secret}}
	})
	x := b{t, tab(t, browser), e}
	x.signIn(e.tok["admin"])
	if n := x.eval(`String(document.querySelectorAll('nav a[href="/webhooks"]').length)`); n != "1" {
		t.Fatalf("the admin's navigation has %s Webhooks links", n)
	}
	if st := x.open("/webhooks"); st != http.StatusOK {
		t.Fatalf("/webhooks: %d", st)
	}
	if got := x.text("#webhook-subs tbody tr td:nth-child(1)"); got != "ops" {
		t.Errorf("subscriptions table: %q", got)
	}
	if _, err := chromedp.RunResponse(x.ctx, chromedp.Click(chromedp.CSS("#test-ops"))); err != nil {
		t.Fatal(err)
	}
	if got := x.text("#webhook-sent"); !strings.Contains(got, "ops") {
		t.Errorf("notice after Send test: %q", got)
	}
	deadline := time.Now().Add(30 * time.Second)
	for got.Load() == 0 || x.eval(`String(document.querySelectorAll("#webhook-log tbody tr").length)`) == "0" {
		if time.Now().After(deadline) {
			t.Fatalf("no delivery in the log (received %d)", got.Load())
		}
		time.Sleep(100 * time.Millisecond)
		x.open("/webhooks")
	}
	if st := x.text("#webhook-log tbody tr td:nth-child(6)"); st != "204" {
		t.Errorf("logged status %q, want 204", st)
	}
}
